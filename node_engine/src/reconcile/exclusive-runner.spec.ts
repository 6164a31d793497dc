import { ExclusiveRunner } from './exclusive-runner';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe(ExclusiveRunner.name, () => {
  it('never runs twice at once and coalesces triggers during a run into one more run', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const gates: ReturnType<typeof deferred>[] = [];
    const runner = new ExclusiveRunner(async () => {
      active++;
      runs++;
      maxActive = Math.max(maxActive, active);
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      active--;
    });
    const first = runner.trigger();
    const during = [runner.trigger(), runner.trigger(), runner.trigger()];
    await Promise.resolve();
    gates[0]?.resolve();
    await first;
    await new Promise((r) => setImmediate(r));
    gates[1]?.resolve();
    await Promise.all(during);
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('resolves a trigger only after a run that started after it', async () => {
    const seen: number[] = [];
    let value = 0;
    const runner = new ExclusiveRunner(async () => {
      const at = value;
      await new Promise((r) => setTimeout(r, 5));
      seen.push(at);
    });
    const a = runner.trigger();
    value = 1;
    const b = runner.trigger();
    await b;
    expect(seen[seen.length - 1]).toBe(1);
    await a;
  });

  it('aborts the running pass on cancel and keeps going after errors', async () => {
    const errors: unknown[] = [];
    let aborted = false;
    let calls = 0;
    const runner = new ExclusiveRunner(
      async (signal) => {
        calls++;
        if (calls === 1) {
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          aborted = signal.aborted;
          throw new Error('boom');
        }
      },
      (e) => errors.push(e),
    );
    const first = runner.trigger();
    await Promise.resolve();
    await runner.trigger({ cancel: true });
    await first;
    expect(aborted).toBe(true);
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2);
  });

  it('runs nothing after close', async () => {
    let calls = 0;
    const runner = new ExclusiveRunner(async () => {
      calls++;
    });
    await runner.close();
    await runner.trigger();
    expect(calls).toBe(0);
  });
});
