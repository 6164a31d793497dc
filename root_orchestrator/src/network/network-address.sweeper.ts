import { withTimeout } from '@canopy/common';
import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ServiceRepository } from '../services/service.repository';
import { NetworkAddressRepository } from './network-address.repository';
import { orphanedClaims } from './service-address.rules';

/** Claims younger than this are never swept: their request may still be storing its holder. */
export const ORPHAN_GRACE_MS = 5 * 60_000;
export const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * Gives back addresses nothing refers to. Holders are written after their claims and deleted
 * before them (so an address is never held without a claim); the price is that a crash in
 * between leaves a claim without a holder. At boot and every 10 minutes, claims older than the
 * grace period whose service is gone, or whose InstanceIP no instance of the service holds, are
 * deleted.
 */
@Injectable()
export class NetworkAddressSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly claims: NetworkAddressRepository,
    private readonly services: ServiceRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('NetworkAddressSweeper');
  }

  onApplicationBootstrap(): void {
    this.pass = this.sweep();
    this.timer = setInterval(() => {
      this.pass = this.pass.then(() => this.sweep());
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await withTimeout(this.pass, 3_000, 'address sweep').catch(() => undefined);
  }

  /** One pass over claims made before `now - grace`; resolves to how many were released. Never throws. */
  async sweep(now = new Date()): Promise<number> {
    try {
      const old = await this.claims.findClaimedBefore(new Date(now.getTime() - ORPHAN_GRACE_MS));
      if (old.length === 0) return 0;
      const ids = [...new Set(old.map((c) => c.service_id))];
      const services = new Map((await this.services.findByIds(ids)).map((s) => [s.id, s]));
      const orphans = orphanedClaims(old, services);
      const released = await this.claims.deleteByIds(orphans.map((c) => c.id));
      if (released > 0) {
        this.logger.info(
          { released, addresses: orphans.slice(0, 20).map((c) => c.address) },
          'released addresses nothing refers to',
        );
      }
      return released;
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'address sweep failed');
      return 0;
    }
  }
}
