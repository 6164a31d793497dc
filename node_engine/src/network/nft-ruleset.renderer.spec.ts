import { ServiceMode } from './net-desired-state';
import { nftComment, renderRuleset, renderTableRemoval } from './nft-ruleset.renderer';
import { testConfig, testInstance, testState } from './testing/net-fixtures';

/** The rules of one chain, trimmed, without the chain's type/policy line. */
function chain(script: string, name: string): string[] {
  const start = script.indexOf(`  chain ${name} {`);
  expect(start).toBeGreaterThanOrEqual(0);
  const body = script.slice(start, script.indexOf('\n  }', start)).split('\n').slice(1);
  return body.map((l) => l.trim()).filter((l) => !l.startsWith('type '));
}

const config = testConfig();

describe('renderRuleset', () => {
  it('replaces the whole table atomically: create-if-missing, delete, define in one script', () => {
    const script = renderRuleset(testState(), config);
    expect(script.split('\n').slice(0, 3)).toEqual([
      'table inet canopy',
      'delete table inet canopy',
      'table inet canopy {',
    ]);
    expect(renderTableRemoval(config)).toBe('table inet canopy\ndelete table inet canopy\n');
    expect(renderRuleset(testState(), config)).toBe(script); // pure and deterministic
  });

  it('masquerades traffic leaving the worker subnet except into the bridge and the tunnel', () => {
    expect(chain(renderRuleset(testState(), config), 'postrouting')).toEqual([
      'ip saddr 10.18.0.0/26 oifname != { "canopy0", "cnp-wg0" } masquerade comment "outbound from the worker subnet"',
      'ip saddr 127.0.0.0/8 oifname "canopy0" masquerade comment "port mappings called on loopback"',
    ]);
    const vxlan = testConfig({ tunnel: { backend: 'vxlan' } });
    expect(chain(renderRuleset(testState(), vxlan), 'postrouting')[0]).toContain(
      'oifname != { "canopy0", "cnp-vx0" }',
    );
  });

  it('sends service-pool traffic from instances and from the worker itself through the services chain', () => {
    const script = renderRuleset(testState(), config);
    expect(chain(script, 'prerouting')).toContain(
      'iifname "canopy0" ip daddr 10.30.0.0/16 jump services',
    );
    expect(chain(script, 'output')).toContain('ip daddr 10.30.0.0/16 jump services');
  });

  it('round-robins a ServiceIP over all instances with a numgen map in address order', () => {
    const script = renderRuleset(
      testState({
        services: [
          {
            address: '10.30.30.30',
            mode: ServiceMode.ROUND_ROBIN,
            name: 'web',
            backends: [
              { namespaceIp: '10.18.0.67' },
              { namespaceIp: '10.18.0.2' },
              { namespaceIp: '10.18.0.66' },
            ],
          },
        ],
      }),
      config,
    );
    expect(chain(script, 'services')).toContain(
      'ip daddr 10.30.30.30 counter dnat ip to numgen inc mod 3 map { 0 : 10.18.0.2, 1 : 10.18.0.66, 2 : 10.18.0.67 } comment "round_robin web"',
    );
  });

  it('sends a closest address to the lowest-RTT instance only, and follows RTT changes', () => {
    const state = (rttA: number, rttB: number): string =>
      renderRuleset(
        testState({
          services: [
            {
              address: '10.30.30.31',
              mode: ServiceMode.CLOSEST,
              backends: [
                { namespaceIp: '10.18.0.2', rttMs: rttA },
                { namespaceIp: '10.18.0.66', rttMs: rttB },
              ],
            },
          ],
        }),
        config,
      );
    expect(chain(state(0.1, 3), 'services')).toContain(
      'ip daddr 10.30.30.31 counter dnat ip to 10.18.0.2 comment "closest 10.30.30.31"',
    );
    expect(chain(state(9, 3), 'services')).toContain(
      'ip daddr 10.30.30.31 counter dnat ip to 10.18.0.66 comment "closest 10.30.30.31"',
    );
  });

  it('maps each InstanceIP (local and remote) to exactly that instance', () => {
    const rules = chain(
      renderRuleset(
        testState({
          services: [
            {
              address: '10.30.0.20',
              mode: ServiceMode.INSTANCE,
              backends: [{ namespaceIp: '10.18.0.66' }],
            },
          ],
        }),
        config,
      ),
      'services',
    );
    expect(rules).toEqual([
      'ip daddr 10.30.0.10 counter dnat ip to 10.18.0.2 comment "instance app.svc#0"',
      'ip daddr 10.30.0.20 counter dnat ip to 10.18.0.66 comment "instance 10.30.0.20"',
    ]);
  });

  it('writes no DNAT rule for a service without instances: the miss is traced and dropped, never leaked', () => {
    const script = renderRuleset(
      testState({
        instances: [],
        services: [{ address: '10.30.30.30', mode: ServiceMode.ROUND_ROBIN, backends: [] }],
      }),
      config,
    );
    expect(chain(script, 'services')).toEqual([]);
    for (const name of ['forward', 'filter_output']) {
      const rules = chain(script, name);
      const trace = rules.indexOf(
        'ip daddr 10.30.0.0/16 limit rate 20/second burst 20 packets meta nftrace set 1 comment "table miss: query"',
      );
      // Traced first (the agent queries the table), then dropped so TCP retries the SYN.
      expect(trace).toBeGreaterThanOrEqual(0);
      expect(rules[trace + 1]).toBe(
        'ip daddr 10.30.0.0/16 drop comment "service address without a table entry"',
      );
      expect(rules.join('\n')).not.toContain('reject');
    }
  });

  it('DNATs port mappings on the worker underlay address to the instance, per protocol', () => {
    const script = renderRuleset(
      testState({
        instances: [
          testInstance({
            ports: [
              { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
              { hostPort: 5353, containerPort: 53, protocol: 'udp' },
            ],
          }),
        ],
      }),
      config,
    );
    expect(chain(script, 'prerouting')).toContain('ip daddr 198.18.0.1 jump ports');
    expect(chain(script, 'output')).toContain('ip daddr 198.18.0.1 jump ports');
    expect(chain(script, 'output')).toContain('ip daddr 127.0.0.1 jump ports');
    expect(chain(script, 'postrouting').join('\n')).toMatch(
      /ip saddr 127\.0\.0\.0\/8 oifname "[^"]+" masquerade/,
    );
    expect(chain(script, 'guard').join('\n')).toMatch(
      /iifname "[^"]+" ip daddr 127\.0\.0\.0\/8 drop/,
    );
    expect(chain(script, 'ports')).toEqual([
      'tcp dport 8080 dnat ip to 10.18.0.2:80 comment "port 8080/tcp app.svc#0"',
      'udp dport 5353 dnat ip to 10.18.0.2:53 comment "port 5353/udp app.svc#0"',
    ]);
  });

  it('clamps the MSS into the tunnel and drops redirects towards instances', () => {
    const script = renderRuleset(testState(), config);
    expect(chain(script, 'forward')[0]).toBe(
      'oifname "cnp-wg0" tcp flags syn tcp option maxseg size set rt mtu comment "mss fits the tunnel"',
    );
    expect(chain(script, 'filter_output')).toContain('oifname "canopy0" icmp type redirect drop');
  });

  it('keeps user text out of the syntax: comments are sanitised and bounded', () => {
    expect(nftComment('a"b; delete table inet x\n')).toBe('"a_b_ delete table inet x_"');
    expect(nftComment('x'.repeat(500)).length).toBeLessThanOrEqual(122);
    const script = renderRuleset(
      testState({
        services: [
          {
            address: '10.30.30.30',
            mode: ServiceMode.ROUND_ROBIN,
            name: 'evil" }',
            backends: [{ namespaceIp: '10.18.0.66' }],
          },
        ],
      }),
      config,
    );
    expect(script).toContain('comment "round_robin evil_ _"');
  });

  it('uses the configured table, bridge and tunnel names', () => {
    const custom = testConfig({
      nftTable: 'cnpt1',
      bridge: 'cbr1',
      tunnel: { wireguardInterface: 'cwg1' },
    });
    const script = renderRuleset(testState(), custom);
    expect(script.startsWith('table inet cnpt1\ndelete table inet cnpt1\n')).toBe(true);
    expect(script).toContain('iifname "cbr1"');
    expect(script).toContain('oifname "cwg1"');
    expect(script).not.toContain('canopy0');
  });
});
