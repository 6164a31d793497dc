/** Integration tier: real FerretDB, Redis, Mosquitto and Docker (started by deploy/local/provision.sh). */
module.exports = {
  displayName: 'server:int',
  preset: '../../jest.int.preset.js',
  testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
};
