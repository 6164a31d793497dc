const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

// Bundles the app and its @canopy/* libs into dist/root_orchestrator/main.js. node_modules stay
// external (required at run time), so run it from the repo root: node dist/root_orchestrator/main.js
module.exports = {
  output: {
    path: join(__dirname, '../dist/root_orchestrator'),
    clean: true,
    ...(process.env.NODE_ENV !== 'production' && {
      devtoolModuleFilenameTemplate: '[absolute-resource-path]',
    }),
  },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      // The .proto files are read at run time (@canopy/contracts/grpc resolves <bundle dir>/proto).
      assets: [
        './src/assets',
        { input: '../libs/contracts/src/proto', glob: '*.proto', output: 'proto' },
      ],
      optimization: false,
      outputHashing: 'none',
      // The workspace package.json and node_modules are used as they are (no per-app install).
      generatePackageJson: false,
      sourceMap: true,
    }),
  ],
};
