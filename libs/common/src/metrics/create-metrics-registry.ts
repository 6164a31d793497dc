import { collectDefaultMetrics, Registry } from 'prom-client';

const METRIC_PREFIX = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A prom-client registry for one program. `prefix` (e.g. `canopy_root`) is the program's metric
 * namespace: it is attached to every series as the `app` label, and the program's own metrics are
 * named `<prefix>_...` (see metricName). The default Node.js metrics keep their standard names
 * (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`, ...) so stock dashboards work;
 * the `app` label tells the programs apart.
 *
 * Each call makes a separate registry (never prom-client's global one), so several apps in one
 * test process do not clash on metric names.
 */
export function createMetricsRegistry(
  prefix: string,
  labels: Record<string, string> = {},
): Registry {
  if (!METRIC_PREFIX.test(prefix)) {
    throw new Error(`metrics prefix "${prefix}" must match ${METRIC_PREFIX}`);
  }
  const registry = new Registry();
  registry.setDefaultLabels({ app: prefix, ...labels });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** `<prefix>_<name>`, the naming rule for a program's own metrics. */
export function metricName(prefix: string, name: string): string {
  return `${prefix}_${name}`;
}
