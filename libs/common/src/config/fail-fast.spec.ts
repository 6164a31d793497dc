import { ConfigError } from './config-error';
import { describeStartupFailure, failFast, type FailFastIo } from './fail-fast';

function fakeIo(): FailFastIo & { written: string[]; codes: number[] } {
  const written: string[] = [];
  const codes: number[] = [];
  return { written, codes, writeError: (t) => written.push(t), exit: (c) => codes.push(c) };
}

const configError = new ConfigError([
  { variable: 'CLUSTER_LOCATION', message: 'must look like "lat,long,radius"', value: 'abc' },
  { variable: 'MONGO_URL', message: 'is required', value: undefined },
]);

describe(failFast.name, () => {
  it('returns the value of a successful step', () => {
    expect(failFast('root_orchestrator', () => 7, fakeIo())).toBe(7);
  });

  it('prints a ConfigError as a readable block without a stack trace, exit code 1', () => {
    const io = fakeIo();
    expect(() =>
      failFast(
        'cluster_orchestrator',
        () => {
          throw configError;
        },
        io,
      ),
    ).toThrow(ConfigError);
    expect(io.codes).toEqual([1]);
    expect(io.written.join('')).toBe(
      [
        'Canopy cluster_orchestrator cannot start: invalid configuration',
        '  CLUSTER_LOCATION: must look like "lat,long,radius" (got "abc")',
        '  MONGO_URL: is required (not set)',
        '',
      ].join('\n'),
    );
  });

  it('handles asynchronous steps and prints unexpected errors with their stack', async () => {
    const io = fakeIo();
    const boom = new Error('listen EADDRINUSE');
    await expect(failFast('root_orchestrator', () => Promise.reject(boom), io)).rejects.toBe(boom);
    expect(io.codes).toEqual([1]);
    expect(io.written.join('')).toContain(
      'Canopy root_orchestrator failed to start: Error: listen EADDRINUSE',
    );
    expect(io.written.join('')).toContain('fail-fast.spec.ts');
  });

  it('describes non-Error throwables', () => {
    expect(describeStartupFailure('x', 'nope')).toBe('Canopy x failed to start: nope\n');
  });
});
