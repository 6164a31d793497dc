/**
 * End-to-end tier: the built apps (dist/) run as real processes against the real local services.
 * Files: src/**\/*.e2e-spec.ts. Run through `nx e2e e2e`, which builds the apps first.
 */
module.exports = {
  displayName: 'e2e',
  preset: '../jest.int.preset.js',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  testTimeout: 120_000,
};
