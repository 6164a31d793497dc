/** Integration tier: real Docker engine and Mosquitto (started by deploy/local/provision.sh). */
module.exports = {
  displayName: 'node_engine:int',
  preset: '../jest.int.preset.js',
  testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
};
