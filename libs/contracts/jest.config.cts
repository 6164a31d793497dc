/** Unit tier: pure logic, no I/O. Files: *.spec.ts next to their subject. */
module.exports = {
  displayName: 'contracts',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/contracts',
};
