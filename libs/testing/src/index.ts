export * from './services/local-services';
export * from './services/probe-port';
export * from './process/managed-process';
export * from './pki/test-pki';
export * from './docker/docker-exec';
