/** Unit tier: pure logic, no I/O. Files: *.spec.ts next to their subject. */
module.exports = {
  displayName: 'cluster_orchestrator',
  preset: '../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../coverage/cluster_orchestrator',
};
