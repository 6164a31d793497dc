import { Writable } from 'node:stream';
import { createLogger } from './create-logger';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe(createLogger.name, () => {
  it('writes JSON lines with service, level label and ISO time', () => {
    const out = capture();
    createLogger({ service: 'cluster_orchestrator', level: 'info', destination: out.stream }).info(
      { worker: 'w1' },
      'joined',
    );
    const [line] = out.lines();
    expect(line).toMatchObject({
      level: 'info',
      service: 'cluster_orchestrator',
      worker: 'w1',
      msg: 'joined',
    });
    expect(typeof line?.['time']).toBe('string');
    expect(Number.isNaN(Date.parse(String(line?.['time'])))).toBe(false);
  });

  it('honours the level', () => {
    const out = capture();
    const logger = createLogger({ service: 's', level: 'warn', destination: out.stream });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines().map((l) => l['msg'])).toEqual(['shown']);
  });

  it('redacts secrets at the top level and nested', () => {
    const out = capture();
    createLogger({ service: 's', level: 'info', destination: out.stream }).info(
      {
        password: 'p1',
        token: 't1',
        user: { name: 'ann', password: 'p2', secret: 's2' },
        req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', host: 'h' } },
        joinToken: 'j1',
      },
      'with secrets',
    );
    const text = JSON.stringify(out.lines());
    for (const secret of ['p1', 't1', 'p2', 's2', 'Bearer abc', 'sid=1', 'j1']) {
      expect(text).not.toContain(secret);
    }
    expect(out.lines()[0]).toMatchObject({
      password: '<redacted>',
      user: { name: 'ann', password: '<redacted>' },
      req: { headers: { authorization: '<redacted>', host: 'h' } },
    });
  });
});
