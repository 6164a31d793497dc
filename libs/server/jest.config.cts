/** Unit tier: pure logic, no I/O. Files: *.spec.ts next to their subject. */
module.exports = {
  displayName: 'server',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/server',
};
