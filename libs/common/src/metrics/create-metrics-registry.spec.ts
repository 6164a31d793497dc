import { Gauge } from 'prom-client';
import { createMetricsRegistry, metricName } from './create-metrics-registry';

describe(createMetricsRegistry.name, () => {
  it('collects the default Node.js metrics with the app label', async () => {
    const registry = createMetricsRegistry('canopy_test');
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total{app="canopy_test"}');
    expect(registry.contentType).toContain('text/plain');
  });

  it('keeps registries separate, so two apps in one process do not clash', async () => {
    const a = createMetricsRegistry('canopy_a');
    const b = createMetricsRegistry('canopy_b', { cluster_name: 'c1' });
    new Gauge({ name: metricName('canopy_a', 'info'), help: 'a', registers: [a] }).set(1);
    new Gauge({ name: metricName('canopy_a', 'info'), help: 'a', registers: [b] }).set(2);
    expect(await a.getSingleMetricAsString('canopy_a_info')).toContain(
      'canopy_a_info{app="canopy_a"} 1',
    );
    expect(await b.getSingleMetricAsString('canopy_a_info')).toContain(
      'canopy_a_info{app="canopy_b",cluster_name="c1"} 2',
    );
  });

  it('rejects prefixes prometheus cannot use', () => {
    expect(() => createMetricsRegistry('canopy-root')).toThrow('metrics prefix "canopy-root"');
  });
});
