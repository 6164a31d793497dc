import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, ManagedProcess } from './managed-process';

describe('freePort', () => {
  it('hands out distinct, bindable ports below the kernel ephemeral range', async () => {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(low ?? 0);
    }
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('ManagedProcess readiness failure', () => {
  it('reports how the process ended and its last words, even when they come just before exit', async () => {
    const port = await freePort();
    const script =
      'process.stdout.write(\'{"level":"info","msg":"booting"}\\n\'.repeat(2000));' +
      "process.stderr.write('fatal: listen EADDRINUSE 127.0.0.1:1234\\n');" +
      'process.exit(3);';
    const started = ManagedProcess.start({
      name: 'dying-app',
      command: process.execPath,
      args: ['-e', script],
      env: {},
      readyUrl: `http://127.0.0.1:${port}/health`,
      readyTimeoutMs: 10_000,
    });
    const error = await started.then(
      () => new Error('started'),
      (e: Error) => e,
    );
    const [headline, heading, firstComplaint] = error.message.split('\n');
    expect(headline).toMatch(
      /^dying-app did not become ready at .* \(process exited with code 3\); last line: fatal: listen EADDRINUSE 127\.0\.0\.1:1234$/,
    );
    expect(heading).toBe('--- dying-app errors and warnings ---');
    expect(firstComplaint).toBe('fatal: listen EADDRINUSE 127.0.0.1:1234');
  });
});
