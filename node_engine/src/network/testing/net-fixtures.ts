import { resolveNetManagerConfig, type NetManagerConfigInput } from '../net-manager.config';
import type { NetManagerConfig } from '../net-manager.config';
import type { InstanceNetwork, WorkerNetworkState } from '../net-desired-state';

/** Fixed keys for unit specs (generated once with `wg genkey`; never used outside tests). */
export const TEST_KEYS = {
  a: {
    privateKey: '4Fy7JDcYKzZCgo6wepBUJxTrEL10odjsvD28X+A27m8=',
    publicKey: '77b06dgIQTjYuHlPLxcMRO34jekwrBw+fb3nnUEjXTM=',
  },
  b: {
    privateKey: 'SGHwfgX6hUnOyV3K4npUQQqk7FcT98/0Rgu3J/RuKWQ=',
    publicKey: 'NPJYrzwMZMeDmlAlxbueKUAajgSOAFgCNqfc/FPaERM=',
  },
  c: {
    privateKey: 'aJkN02kaw9zvlMo7zgb6xIW3NCVltb93AxyRDI5Ky3o=',
    publicKey: '/5w4BoJT2Owj/+FWd6xgYjNvxH10qxWRTnAfZkVTV24=',
  },
} as const;

export function testConfig(input: NetManagerConfigInput = {}): NetManagerConfig {
  return resolveNetManagerConfig(input);
}

export function testInstance(overrides: Partial<InstanceNetwork> = {}): InstanceNetwork {
  return {
    key: 'app.svc#0',
    netns: { path: '/proc/4242/ns/net' },
    namespaceIp: '10.18.0.2',
    instanceIp: '10.30.0.10',
    ports: [],
    ...overrides,
  };
}

/** Worker A (10.18.0.0/26 on 198.18.0.1) with one peer, worker B (10.18.0.64/26 on 198.18.0.2). */
export function testState(overrides: Partial<WorkerNetworkState> = {}): WorkerNetworkState {
  return {
    subnet: '10.18.0.0/26',
    underlayAddress: '198.18.0.1',
    privateKey: TEST_KEYS.a.privateKey,
    peers: [
      {
        id: 'worker-b',
        subnet: '10.18.0.64/26',
        endpoint: '198.18.0.2',
        publicKey: TEST_KEYS.b.publicKey,
      },
    ],
    instances: [testInstance()],
    services: [],
    ...overrides,
  };
}
