import { REPORT_DEBOUNCE_MS, ReportTrigger } from './report-trigger';

describe(ReportTrigger.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('coalesces a burst of requests into one report', () => {
    const trigger = new ReportTrigger();
    const listener = jest.fn();
    trigger.listen(listener);
    for (let i = 0; i < 50; i++) trigger.request();
    expect(listener).not.toHaveBeenCalled();
    jest.advanceTimersByTime(REPORT_DEBOUNCE_MS);
    expect(listener).toHaveBeenCalledTimes(1);
    trigger.request();
    jest.advanceTimersByTime(REPORT_DEBOUNCE_MS);
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('drops requests while nobody listens (disconnected)', () => {
    const trigger = new ReportTrigger();
    trigger.request();
    const listener = jest.fn();
    trigger.listen(listener);
    jest.advanceTimersByTime(REPORT_DEBOUNCE_MS * 2);
    expect(listener).not.toHaveBeenCalled();
  });
});
