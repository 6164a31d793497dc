import { createServer, type Server } from 'node:net';
import pino from 'pino';
import { RttProber, tcpConnectProbe, type RttProbe } from './rtt.prober';

const logger = pino({ level: 'silent' });

describe(RttProber.name, () => {
  it('keeps an EWMA per peer and forgets a peer after repeated failures', async () => {
    const samples: Record<string, (number | undefined)[]> = {
      a: [10, 20],
      b: [5, undefined, undefined, undefined],
    };
    const probe: RttProbe = async (host) => samples[host]?.shift();
    let rounds = 0;
    const prober = new RttProber({
      targets: () => [
        { id: 'wa', host: 'a', port: 1 },
        { id: 'wb', host: 'b', port: 1 },
      ],
      onRound: () => rounds++,
      probe,
      logger,
    });
    await prober.probeAll();
    expect([prober.rtt('wa'), prober.rtt('wb')]).toEqual([10, 5]);
    await prober.probeAll();
    expect(prober.rtt('wa')).toBeCloseTo(13);
    expect(prober.rtt('wb')).toBe(5); // one failure: kept
    await prober.probeAll();
    await prober.probeAll();
    expect(prober.rtt('wb')).toBeUndefined();
    expect(rounds).toBe(4);
  });
});

describe('tcpConnectProbe', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('an accepted and a refused connection are both one round trip', async () => {
    expect(await tcpConnectProbe('127.0.0.1', port, 1000)).toBeGreaterThanOrEqual(0);
    server.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(await tcpConnectProbe('127.0.0.1', port, 1000)).toBeGreaterThanOrEqual(0);
  });
});
