const base = require('./jest.preset.js');

// Integration tests share one FerretDB/Redis/Mosquitto/dockerd; each test file uses its own
// database names and key prefixes, but running files serially keeps 2-core machines stable.
module.exports = {
  ...base,
  maxWorkers: 1,
  testTimeout: 60_000,
  globalSetup: require.resolve('./libs/testing/src/jest/require-services.global-setup.ts'),
};
