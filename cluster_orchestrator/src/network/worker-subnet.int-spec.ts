import { loadConfig } from '@canopy/common';
import { loadLocalServices, uniqueName } from '@canopy/testing';
import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Connection } from 'mongoose';
import { ClusterConfig } from '../config/cluster-config';
import { createClusterApp } from '../create-cluster-app';
import { SubnetPoolExhaustedError, WorkerSubnetService } from './worker-subnet.service';

describe('worker subnets (real FerretDB)', () => {
  let app: NestExpressApplication;
  let subnets: WorkerSubnetService;

  beforeAll(async () => {
    const s = loadLocalServices();
    const config = loadConfig(ClusterConfig, {
      CLUSTER_NAME: uniqueName('subnets').replace(/_/g, '-').slice(0, 30),
      MONGO_URL: s.mongoUrl,
      REDIS_URL: s.redisUrl,
      MQTT_URL: s.mqttUrl,
      MQTT_USERNAME: s.mqttAdminUsername,
      MQTT_PASSWORD: s.mqttAdminPassword,
      ROOT_URL: '127.0.0.1:1',
      CLUSTER_JOIN_TOKEN: 'cjt_unused',
      WORKER_JOIN_TOKEN: 'wjt_unused_0123456789',
      // A tiny pool: 8 subnets of /29, so exhaustion is reachable.
      WORKER_SUBNET_POOL: '10.18.0.0/26',
      WORKER_SUBNET_PREFIX: '29',
      LOG_LEVEL: 'silent',
    });
    app = await createClusterApp(config);
    await app.init();
    subnets = app.get(WorkerSubnetService);
  });

  afterAll(async () => {
    await app.get<Connection>(getConnectionToken()).dropDatabase();
    await app.close();
  });

  it('gives concurrent workers distinct subnets, a worker always the same one, and reports exhaustion', async () => {
    const workers = Array.from({ length: 8 }, (_, i) => `w${i}`);
    const first = await Promise.all(workers.map((w) => subnets.subnetFor(w)));
    expect(new Set(first).size).toBe(8);
    for (const subnet of first) expect(subnet).toMatch(/^10\.18\.0\.\d+\/29$/);
    // Asking again (re-registration), even concurrently, never moves a worker.
    const again = await Promise.all([...workers, ...workers].map((w) => subnets.subnetFor(w)));
    expect(again).toEqual([...first, ...first]);
    await expect(subnets.subnetFor('w8')).rejects.toBeInstanceOf(SubnetPoolExhaustedError);
    // A released subnet is handed out again, to exactly one newcomer.
    await subnets.release('w3');
    const newcomers = await Promise.allSettled(['w8', 'w9'].map((w) => subnets.subnetFor(w)));
    const won = newcomers.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect((won[0] as PromiseFulfilledResult<string>).value).toBe(first[3]);
  });
});
