import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { ReportTrigger } from '../report/report-trigger';
import { WorkerRepository } from '../workers/worker.repository';
import {
  type Discrepancy,
  discrepanciesOf,
  leaksOf,
  trackDiscrepancies,
} from './reservation-audit.rules';

/**
 * Repairs reservations leaked by a crash. Reserving and releasing each take two single-document
 * writes (worker `free`, instance `reservation`), and FerretDB has no transactions: a cluster
 * that dies between them leaves a worker's `free` off by one reservation for good. Every
 * RESERVATION_AUDIT_INTERVAL this compares each worker's `free` with `capacity − Σ reservations`
 * of the instances placed on it; a difference that stays exactly the same (no write to the
 * worker, same reservations) for RESERVATION_LEAK_AGE is set right by compare-and-set on the
 * worker's revision, and logged.
 *
 * ASSUMPTION: the second write of a reservation or release follows the first within
 * RESERVATION_LEAK_AGE (default 5 min). Two audits a short interval apart are NOT enough: under
 * a burst of placements on a single-connection database the gap reaches seconds, and "repairing"
 * it would count the reservation twice (seen in the 50-placement test with 250 ms audits).
 */
@Injectable()
export class ReservationAuditor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private previous: Discrepancy[] = [];

  constructor(
    private readonly config: ClusterConfig,
    private readonly workers: WorkerRepository,
    private readonly instances: ClusterInstanceRepository,
    private readonly reports: ReportTrigger,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ReservationAuditor');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.audit(), this.config.reservationAuditIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One audit; returns the workers it repaired (tests). */
  async audit(): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    try {
      // Workers first: a reservation taken between the two reads shows up on the worker but not
      // yet on an instance, which the next audit sees with another revision (no repair).
      const workers = await this.workers.list();
      const now = Date.now();
      const found = trackDiscrepancies(
        this.previous,
        discrepanciesOf(workers, await this.instances.list(), now),
      );
      const repaired: string[] = [];
      for (const d of leaksOf(found, now, this.config.reservationLeakAgeMs)) {
        if (!(await this.workers.repairFree(d.workerId, d.rev, d.expected))) continue;
        repaired.push(d.workerId);
        this.logger.warn(
          { workerId: d.workerId, free: d.observed, repairedTo: d.expected },
          'repaired a leaked reservation (free did not match the reservations of its instances)',
        );
      }
      this.previous = found.filter((d) => !repaired.includes(d.workerId));
      if (repaired.length > 0) this.reports.request();
      return repaired;
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'reservation audit failed');
      return [];
    } finally {
      this.running = false;
    }
  }
}
