import { ConfigError } from '@canopy/common';
import { loadNodeConfig, resolveConfigPath } from './node-config.loader';

const fileWith = (content: string) => () => content;

describe(loadNodeConfig.name, () => {
  it('applies defaults to a minimal file', () => {
    const config = loadNodeConfig(
      '/etc/canopy/node.json',
      fileWith('{"cluster_address":"10.0.0.5"}'),
    );
    expect(config).toMatchObject({
      cluster_address: '10.0.0.5',
      cluster_port: 10100,
      state_dir: '/var/lib/canopy/node',
      labels: {},
      log_level: 'info',
    });
  });

  it('accepts labels, a location and a join token', () => {
    const config = loadNodeConfig(
      'n.json',
      fileWith(
        JSON.stringify({
          cluster_address: 'cluster.local',
          join_token: 'abc',
          labels: { zone: 'hall-2', 'canopy.io/gpu': 'none' },
          location: { lat: 48.1, long: 11.5 },
        }),
      ),
    );
    expect(config.labels).toEqual({ zone: 'hall-2', 'canopy.io/gpu': 'none' });
    expect(config.location).toEqual({ lat: 48.1, long: 11.5 });
  });

  it('lists every problem at once with the file and field name, never the join token', () => {
    const bad = {
      cluster_port: 70000,
      state_dir: 'relative/dir',
      labels: { ok: 1 },
      location: { lat: 91, long: 0 },
      log_level: 'loud',
      join_token: 987654321,
      colour: 'blue',
    };
    let error: unknown;
    try {
      loadNodeConfig('node.json', fileWith(JSON.stringify(bad)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const field of [
      'cluster_address',
      'cluster_port',
      'state_dir',
      'labels',
      'location.lat',
      'log_level',
      'colour',
      'join_token',
    ]) {
      expect(message).toContain(`node.json: ${field}`);
    }
    expect(message).not.toContain('987654321');
  });

  it('explains a missing file and invalid JSON', () => {
    const missing = () => {
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    };
    expect(() => loadNodeConfig('/etc/canopy/node.json', missing)).toThrow(
      /node\.json: file not found/,
    );
    expect(() => loadNodeConfig('x.json', fileWith('{"cluster_address":'))).toThrow(
      /x\.json: is not valid JSON/,
    );
    expect(() => loadNodeConfig('x.json', fileWith('[1,2]'))).toThrow(
      /x\.json: \(whole file\): value must be a JSON object/,
    );
  });
});

describe(resolveConfigPath.name, () => {
  it('prefers the flag, then CANOPY_NODE_CONFIG, then the default', () => {
    expect(resolveConfigPath('/a.json', { CANOPY_NODE_CONFIG: '/b.json' })).toBe('/a.json');
    expect(resolveConfigPath(undefined, { CANOPY_NODE_CONFIG: '/b.json' })).toBe('/b.json');
    expect(resolveConfigPath(undefined, {})).toBe('/etc/canopy/node.json');
  });
});
