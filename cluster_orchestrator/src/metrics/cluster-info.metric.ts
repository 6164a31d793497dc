import { InjectMetricsRegistry, METRICS_OPTIONS, type MetricsModuleOptions } from '@canopy/server';
import { Inject, Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { ClusterConfig } from '../config/cluster-config';

/**
 * `canopy_cluster_info{cluster_name="..."} 1`: the Prometheus "info" idiom, so dashboards can
 * join any cluster series to the cluster's name.
 */
@Injectable()
export class ClusterInfoMetric {
  constructor(
    @InjectMetricsRegistry() registry: Registry,
    @Inject(METRICS_OPTIONS) options: MetricsModuleOptions,
    config: ClusterConfig,
  ) {
    new Gauge({
      name: `${options.prefix}_info`,
      help: 'Identity of this cluster orchestrator; always 1',
      labelNames: ['cluster_name'],
      registers: [registry],
    }).set({ cluster_name: config.CLUSTER_NAME }, 1);
  }
}
