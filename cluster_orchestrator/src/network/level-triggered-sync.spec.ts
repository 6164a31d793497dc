import { LevelTriggeredSync } from './level-triggered-sync';

describe(LevelTriggeredSync.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup(run: (force: boolean) => Promise<void>) {
    const errors: string[] = [];
    const sync = new LevelTriggeredSync({
      debounceMs: 100,
      intervalMs: 1_000,
      run,
      onError: (e) => errors.push(e.message),
    });
    return { sync, errors };
  }

  it('coalesces a burst of requests into one sync, forced if any request was', async () => {
    const runs: boolean[] = [];
    const { sync } = setup(async (force) => {
      runs.push(force);
    });
    sync.request();
    sync.request({ force: true });
    sync.request();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toEqual([true]);
  });

  it('never overlaps syncs: a request during a sync runs once more right after it', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const { sync } = setup(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      await new Promise((r) => setTimeout(r, 500));
      active--;
    });
    sync.request();
    await jest.advanceTimersByTimeAsync(150); // first sync running
    sync.request();
    sync.request();
    await jest.advanceTimersByTimeAsync(2_000);
    expect(maxActive).toBe(1);
    expect(runs).toBe(2);
  });

  it('checks periodically, reports errors, and stops cleanly', async () => {
    let runs = 0;
    const { sync, errors } = setup(async () => {
      runs++;
      if (runs === 1) throw new Error('db away');
    });
    sync.start();
    await jest.advanceTimersByTimeAsync(2_000);
    expect(runs).toBe(2);
    expect(errors).toEqual(['db away']);
    await sync.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(2);
  });
});
