import { loadConfig } from '@canopy/common';
import { Registry } from 'prom-client';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterInfoMetric } from './cluster-info.metric';

describe(ClusterInfoMetric.name, () => {
  it('exposes canopy_cluster_info with the cluster name', async () => {
    const registry = new Registry();
    const config = loadConfig(ClusterConfig, {
      CLUSTER_NAME: 'shop-17',
      MONGO_URL: 'mongodb://127.0.0.1:27017',
      REDIS_URL: 'redis://127.0.0.1:6379',
      MQTT_URL: 'mqtt://127.0.0.1:10003',
      CLUSTER_JOIN_TOKEN: 'cjt_example',
      WORKER_JOIN_TOKEN: 'wjt_example_0123456789',
    });
    new ClusterInfoMetric(registry, { prefix: 'canopy_cluster' }, config);
    expect(await registry.getSingleMetricAsString('canopy_cluster_info')).toContain(
      'canopy_cluster_info{cluster_name="shop-17"} 1',
    );
  });
});
