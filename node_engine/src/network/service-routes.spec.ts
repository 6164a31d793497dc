import { ServiceMode } from './net-desired-state';
import { resolveServiceRoutes, selectClosestBackend } from './service-routes';
import { testInstance, testState } from './testing/net-fixtures';

const local = (ip: string): boolean => ip.startsWith('10.18.0.') && Number(ip.split('.')[3]) < 64;

describe('closest selection', () => {
  it('picks the backend with the lowest given RTT', () => {
    const chosen = selectClosestBackend(
      [
        { namespaceIp: '10.18.0.2', rttMs: 5 },
        { namespaceIp: '10.18.0.66', rttMs: 1.5 },
        { namespaceIp: '10.18.0.67', rttMs: 3 },
      ],
      local,
    );
    expect(chosen?.namespaceIp).toBe('10.18.0.66');
  });

  it('counts an unmeasured local instance as 0 ms and an unmeasured remote one as never closest', () => {
    expect(
      selectClosestBackend([{ namespaceIp: '10.18.0.66' }, { namespaceIp: '10.18.0.2' }], local)
        ?.namespaceIp,
    ).toBe('10.18.0.2');
    expect(
      selectClosestBackend(
        [{ namespaceIp: '10.18.0.66' }, { namespaceIp: '10.18.0.70', rttMs: 40 }],
        local,
      )?.namespaceIp,
    ).toBe('10.18.0.70');
  });

  it('breaks ties deterministically: local first, then the lower address', () => {
    expect(
      selectClosestBackend(
        [
          { namespaceIp: '10.18.0.66', rttMs: 0 },
          { namespaceIp: '10.18.0.9', rttMs: 0 },
        ],
        local,
      )?.namespaceIp,
    ).toBe('10.18.0.9');
    expect(
      selectClosestBackend(
        [
          { namespaceIp: '10.18.0.70', rttMs: 2 },
          { namespaceIp: '10.18.0.66', rttMs: 2 },
        ],
        local,
      )?.namespaceIp,
    ).toBe('10.18.0.66');
    expect(selectClosestBackend([], local)).toBeUndefined();
  });
});

describe('resolveServiceRoutes', () => {
  it('adds an InstanceIP route for each local instance and sorts round-robin targets', () => {
    const routes = resolveServiceRoutes(
      testState({
        instances: [
          testInstance({ key: 'a#1', namespaceIp: '10.18.0.3', instanceIp: '10.30.0.11' }),
        ],
        services: [
          {
            address: '10.30.30.30',
            mode: ServiceMode.ROUND_ROBIN,
            backends: [
              { namespaceIp: '10.18.0.66' },
              { namespaceIp: '10.18.0.3' },
              { namespaceIp: '10.18.0.66' },
            ],
          },
          {
            address: '10.30.0.50',
            mode: ServiceMode.INSTANCE,
            backends: [{ namespaceIp: '10.18.0.70' }],
          },
          { address: '10.30.30.31', mode: ServiceMode.CLOSEST, backends: [] },
        ],
      }),
    );
    expect(routes.map((r) => [r.address, r.mode, r.targets])).toEqual([
      ['10.30.0.11', 'instance', ['10.18.0.3']],
      ['10.30.0.50', 'instance', ['10.18.0.70']],
      ['10.30.30.30', 'round_robin', ['10.18.0.3', '10.18.0.66']],
    ]);
  });
});
