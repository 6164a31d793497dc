/**
 * esbuild settings of the single-file bundle dist/node_engine/main.js (project.json `build`).
 *
 * Dependencies carry code the agent never runs; it is replaced by stubs that throw if ever
 * called, which keeps the bundle small and free of server packages:
 * - dockerode: BuildKit sessions and image builds (`@grpc/grpc-js`, `@grpc/proto-loader`,
 *   `protobufjs`, `tar-fs`) and the ssh:// transport (`ssh2`, whose native addons esbuild cannot
 *   bundle). The agent talks to Docker over its unix socket only.
 * - mqtt: WebSocket and SOCKS transports (`ws`, `socks`); the agent uses mqtt:// / mqtts://.
 * - class-validator: IsPhoneNumber (`libphonenumber-js`, 280 KB of phone metadata).
 * Each is only required lazily or used inside functions, so the stubs are never called.
 */
const STUBBED =
  /^(ssh2|@grpc\/grpc-js|@grpc\/proto-loader|protobufjs|tar-fs|ws|socks|libphonenumber-js(\/.*)?)$/;

const stubUnusedDockerodeDeps = {
  name: 'canopy-stub-unused-dockerode-deps',
  setup(build) {
    build.onResolve({ filter: STUBBED }, (args) => ({ path: args.path, namespace: 'canopy-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'canopy-stub' }, (args) => ({
      loader: 'js',
      contents: `
        const unavailable = () => { throw new Error(${JSON.stringify(`${args.path} is not bundled into canopy-node`)}); };
        module.exports = args_path_is_ssh2()
          ? { Client: unavailable }
          : new Proxy({}, { get: (_t, prop) => (prop === '__esModule' ? false : unavailable) });
        function args_path_is_ssh2() { return ${JSON.stringify(args.path === 'ssh2')}; }
      `,
    }));
  },
};

export default {
  legalComments: 'none',
  outExtension: { '.js': '.js' },
  plugins: [stubUnusedDockerodeDeps],
};
