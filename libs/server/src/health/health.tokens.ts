import type { HealthIndicatorResult } from '@nestjs/terminus';

/** The dependencies a Canopy server can report on `GET /health`; also the keys in its response. */
export type DependencyName = 'mongodb' | 'redis' | 'mqtt';

/** One dependency check. Never throws: a failure is a `down` result with a message. */
export interface DependencyHealthIndicator {
  check(key: string, timeoutMs: number): Promise<HealthIndicatorResult>;
}

export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

export interface HealthChecksModuleOptions {
  /** Exactly the app's dependencies, in the order they appear in the response. */
  checks: readonly DependencyName[];
  /** Per check; a dependency slower than this is reported down. Default 1000 ms. */
  timeoutMs?: number;
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 1_000;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
