export * from './lib/placement';
