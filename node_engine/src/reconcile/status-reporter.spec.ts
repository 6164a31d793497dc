import { StatusReporter, type InstanceStatusEvent } from './status-reporter';

describe(StatusReporter.name, () => {
  const setup = () => {
    const published: InstanceStatusEvent[] = [];
    let t = 0;
    const reporter = new StatusReporter(
      (e) => published.push(e),
      () => ++t,
    );
    return { published, reporter };
  };
  const base = { jobName: 'a.b.c.d', instanceNumber: 0 } as const;

  it('publishes only changes', () => {
    const { published, reporter } = setup();
    expect(reporter.report({ ...base, status: 'CREATING', detail: 'x' })).toBe(true);
    expect(reporter.report({ ...base, status: 'CREATING', detail: 'x' })).toBe(false);
    expect(reporter.report({ ...base, status: 'RUNNING' })).toBe(true);
    expect(reporter.report({ ...base, status: 'RUNNING', restartCount: 0 })).toBe(false);
    expect(reporter.report({ ...base, status: 'RUNNING', restartCount: 1 })).toBe(true);
    expect(published.map((e) => e.status)).toEqual(['CREATING', 'RUNNING', 'RUNNING']);
  });

  it('publishes UNDEPLOYED and forgets the instance', () => {
    const { published, reporter } = setup();
    reporter.report({ ...base, status: 'RUNNING' });
    expect(reporter.reportedKeys()).toEqual(new Set(['a.b.c.d#0']));
    expect(reporter.report({ ...base, status: 'UNDEPLOYED' })).toBe(true);
    expect(reporter.reportedKeys().size).toBe(0);
    // A removed leftover container the agent never reported is announced too.
    expect(reporter.report({ ...base, instanceNumber: 5, status: 'UNDEPLOYED' })).toBe(true);
    expect(reporter.reportedKeys().size).toBe(0);
    expect(published.map((e) => e.status)).toEqual(['RUNNING', 'UNDEPLOYED', 'UNDEPLOYED']);
  });

  it('republishes every known status (after a reconnect) and lists them for status.json', () => {
    const { published, reporter } = setup();
    reporter.report({ ...base, status: 'RUNNING', generation: 2 });
    reporter.report({ ...base, instanceNumber: 1, status: 'FAILED', detail: 'image not found: x' });
    reporter.republishAll();
    expect(published).toHaveLength(4);
    expect(reporter.entries()).toEqual([
      expect.objectContaining({
        job_name: 'a.b.c.d',
        instance_number: 0,
        status: 'RUNNING',
        generation: 2,
      }),
      expect.objectContaining({
        instance_number: 1,
        status: 'FAILED',
        status_detail: 'image not found: x',
      }),
    ]);
  });
});
