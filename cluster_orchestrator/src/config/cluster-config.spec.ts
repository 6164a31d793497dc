import { ConfigError, loadConfig } from '@canopy/common';
import { ClusterConfig } from './cluster-config';

const required = {
  CLUSTER_NAME: 'shop-17',
  MONGO_URL: 'mongodb://127.0.0.1:27017',
  REDIS_URL: 'redis://127.0.0.1:6379',
  MQTT_URL: 'mqtt://127.0.0.1:10003',
  CLUSTER_JOIN_TOKEN: 'cjt_example',
  WORKER_JOIN_TOKEN: 'wjt_example_0123456789',
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(ClusterConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(ClusterConfig.name, () => {
  it('applies the defaults', () => {
    const config = loadConfig(ClusterConfig, required);
    expect(config).toMatchObject({
      CLUSTER_HTTP_HOST: '0.0.0.0',
      CLUSTER_HTTP_PORT: 10100,
      ROOT_URL: '127.0.0.1:50052',
      LOG_LEVEL: 'info',
      HTTP_BODY_LIMIT: '1mb',
      CLUSTER_REPORT_INTERVAL: '15s',
    });
    expect(config.reportIntervalMs).toBe(15_000);
    expect(config.reconnectBaseDelayMs).toBe(500);
    expect(config.reconnectMaxDelayMs).toBe(30_000);
    expect(config.CLUSTER_LOCATION).toBeUndefined();
    expect(config.location).toBeUndefined();
    expect(config.simulatedCapacity).toBeUndefined();
    expect(config.ROOT_TLS_CA).toBeUndefined();
    expect(config.MQTT_USERNAME).toBeUndefined();
  });

  it('gives each cluster its own database unless MONGO_URL names one', () => {
    expect(loadConfig(ClusterConfig, required).mongoDatabase).toBe('canopy_cluster_shop-17');
    expect(loadConfig(ClusterConfig, { ...required, CLUSTER_NAME: 'hall-2' }).mongoDatabase).toBe(
      'canopy_cluster_hall-2',
    );
    expect(
      loadConfig(ClusterConfig, { ...required, MONGO_URL: 'mongodb://db/site_a' }).mongoDatabase,
    ).toBe('site_a');
  });

  it('parses the location', () => {
    const config = loadConfig(ClusterConfig, { ...required, CLUSTER_LOCATION: '48.137,11.575,25' });
    expect(config.location).toEqual({ latitude: 48.137, longitude: 11.575, radiusKm: 25 });
  });

  it('accepts the optional credentials', () => {
    const config = loadConfig(ClusterConfig, {
      ...required,
      MQTT_USERNAME: 'cluster',
      MQTT_PASSWORD: 'pw',
      ROOT_URL: 'root.example.com:443',
    });
    expect(config).toMatchObject({
      MQTT_USERNAME: 'cluster',
      MQTT_PASSWORD: 'pw',
      CLUSTER_JOIN_TOKEN: 'cjt_example',
    });
  });

  it('reports the example from the runbook: bad location and empty MONGO_URL', () => {
    const error = configError({ ...required, CLUSTER_LOCATION: 'abc', MONGO_URL: '' });
    expect(error.message.split('\n').sort()).toEqual([
      'CLUSTER_LOCATION: must look like "lat,long,radius" (got "abc")',
      'MONGO_URL: is required (not set)',
    ]);
  });

  it('names every invalid variable in one message', () => {
    const error = configError({
      CLUSTER_NAME: 'shop_17!',
      CLUSTER_LOCATION: '95,0,10',
      CLUSTER_HTTP_PORT: '-1',
      ROOT_URL: 'http://root:50052',
      MONGO_URL: 'mongodb://127.0.0.1:27017',
      REDIS_URL: 'redis://127.0.0.1:6379',
      MQTT_URL: 'tcp://broker:1883',
      CLUSTER_JOIN_TOKEN: 'x',
      WORKER_JOIN_TOKEN: 'short',
      WORKER_TIMEOUT: '1h',
    });
    expect(error.message.split('\n').sort()).toEqual(
      [
        'CLUSTER_NAME: must be 1-30 letters, digits or dashes (got "shop_17!")',
        'CLUSTER_LOCATION: must look like "lat,long,radius": latitude must be within -90..90 (got "95,0,10")',
        'CLUSTER_HTTP_PORT: must be a port number 0..65535 (got "-1")',
        'ROOT_URL: must look like "host:port" (e.g. 127.0.0.1:50052) (got "http://root:50052")',
        'MQTT_URL: must be an mqtt:// or mqtts:// URL (got "tcp://broker:1883")',
        'WORKER_JOIN_TOKEN: must be at least 16 characters (it is a secret) (got <redacted>)',
        'WORKER_TIMEOUT: must be a duration like "500ms", "15s" or "10m" between 500ms and 10m (got "1h")',
      ].sort(),
    );
  });

  it('checks the worker subnet pool against the subnet prefix', () => {
    // Unset: the root assigns a pool at the first session.
    expect(loadConfig(ClusterConfig, required)).toMatchObject({
      WORKER_SUBNET_POOL: '',
      WORKER_SUBNET_PREFIX: 26,
    });
    expect(
      loadConfig(ClusterConfig, { ...required, WORKER_SUBNET_POOL: '10.18.0.0/16' }),
    ).toMatchObject({ WORKER_SUBNET_POOL: '10.18.0.0/16' });
    expect(
      configError({ ...required, WORKER_SUBNET_POOL: '10.18.0.0/24', WORKER_SUBNET_PREFIX: '20' })
        .message,
    ).toContain('WORKER_SUBNET_POOL: worker subnet prefix /20 must be between /24 and /30');
    expect(configError({ ...required, WORKER_SUBNET_POOL: '10.18.0.1/16' }).message).toContain(
      'is not a network address',
    );
  });

  it('requires the cluster name, the broker and a join token', () => {
    const error = configError({ MONGO_URL: required.MONGO_URL, REDIS_URL: required.REDIS_URL });
    expect(error.message.split('\n').sort()).toEqual([
      'CLUSTER_JOIN_TOKEN: is required (issue one at the root: POST /api/clusters/join-tokens) (not set)',
      'CLUSTER_NAME: is required (not set)',
      'MQTT_URL: is required (not set)',
      'WORKER_JOIN_TOKEN: is required (the token workers present when they join) (not set)',
    ]);
  });

  it('parses the report interval, reconnect delays and simulated capacity', () => {
    const config = loadConfig(ClusterConfig, {
      ...required,
      CLUSTER_REPORT_INTERVAL: '1s',
      ROOT_RECONNECT_BASE_DELAY: '100ms',
      ROOT_RECONNECT_MAX_DELAY: '2s',
      CLUSTER_SIMULATED_CAPACITY: '{"vcpus":8,"memory":16384,"architecture":"arm64"}',
    });
    expect(config.reportIntervalMs).toBe(1_000);
    expect(config.reconnectBaseDelayMs).toBe(100);
    expect(config.reconnectMaxDelayMs).toBe(2_000);
    expect(config.simulatedCapacity).toMatchObject({
      vcpus: 8,
      memory: 16384,
      architecture: 'arm64',
    });
  });

  it('refuses bad intervals, capacities and half-configured TLS', () => {
    const error = configError({
      ...required,
      CLUSTER_REPORT_INTERVAL: '10',
      ROOT_RECONNECT_MAX_DELAY: '0s',
      CLUSTER_SIMULATED_CAPACITY: '{"vcpus":-1,"memory":1}',
      ROOT_TLS_CERT: '-----BEGIN CERTIFICATE-----\\nabc\\n-----END CERTIFICATE-----',
    });
    const lines = error.message.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^CLUSTER_REPORT_INTERVAL: must be a duration like .* between 100ms and 10m/,
        ),
        expect.stringMatching(/^ROOT_RECONNECT_MAX_DELAY: must be a duration/),
        expect.stringMatching(/^CLUSTER_SIMULATED_CAPACITY: vcpus must be a number >= 0/),
        expect.stringMatching(/^ROOT_TLS_CERT: needs ROOT_TLS_KEY and ROOT_TLS_CA as well/),
      ]),
    );
  });

  it('rejects over-long cluster names', () => {
    expect(configError({ ...required, CLUSTER_NAME: 'x'.repeat(31) }).problems[0]?.variable).toBe(
      'CLUSTER_NAME',
    );
  });

  it('never prints secrets, whatever is wrong with them', () => {
    const error = configError({
      ...required,
      CLUSTER_NAME: 'bad name',
      MQTT_URL: 'mqtt://cluster:hunter2@broker:1883 x',
    });
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain(
      'MQTT_URL: must be an mqtt:// or mqtts:// URL (got "mqtt://cluster:<redacted>@broker:1883 x")',
    );
  });
});
