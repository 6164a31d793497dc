import { Injectable, type OnApplicationShutdown } from '@nestjs/common';

/** Changes within this window share one early report. */
export const REPORT_DEBOUNCE_MS = 200;

/**
 * Lets anything that changed an instance's status ask for an early report to the root, so a
 * deploy shows RUNNING at the root within a fraction of a second instead of one report
 * interval. Bursts (50 placements) coalesce into one report per REPORT_DEBOUNCE_MS. The session
 * listens while it is connected; requests while disconnected are dropped (the first report
 * after reconnecting is a full snapshot anyway).
 */
@Injectable()
export class ReportTrigger implements OnApplicationShutdown {
  private listener: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  listen(listener: (() => void) | undefined): void {
    this.listener = listener;
  }

  request(): void {
    if (this.listener === undefined || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.listener?.();
    }, REPORT_DEBOUNCE_MS);
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
