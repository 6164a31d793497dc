import { Inject } from '@nestjs/common';

/** The app's prom-client Registry (made by @canopy/common's createMetricsRegistry). */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');
export const HTTP_REQUEST_DURATION = Symbol('HTTP_REQUEST_DURATION');

export const InjectMetricsRegistry = (): ParameterDecorator => Inject(METRICS_REGISTRY);

export interface MetricsModuleOptions {
  /** The app's metric namespace, e.g. `canopy_root`: the `app` label and the prefix of its own metrics. */
  prefix: string;
  /** Extra labels on every series of this app. */
  labels?: Record<string, string>;
}
