import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@canopy/common';
import {
  ConfigEditError,
  editConfigFile,
  setConfigValue,
  unsetConfigValue,
} from './node-config.editor';

describe(setConfigValue.name, () => {
  it('parses each key by its type', () => {
    let raw: Record<string, unknown> = { cluster_address: 'a' };
    raw = setConfigValue(raw, 'cluster_port', '10101');
    raw = setConfigValue(raw, 'labels.zone', 'hall');
    raw = setConfigValue(raw, 'labels.canopy.io/gpu', 'none');
    raw = setConfigValue(raw, 'location', '48.13, 11.57');
    raw = setConfigValue(raw, 'runtime.allow_privileged', 'true');
    raw = setConfigValue(raw, 'join_token', 'tok');
    expect(raw).toEqual({
      cluster_address: 'a',
      cluster_port: 10101,
      labels: { zone: 'hall', 'canopy.io/gpu': 'none' },
      location: { lat: 48.13, long: 11.57 },
      runtime: { allow_privileged: true },
      join_token: 'tok',
    });
  });

  it('sets the network keys', () => {
    let raw: Record<string, unknown> = { cluster_address: 'a' };
    raw = setConfigValue(raw, 'network.enabled', 'true');
    raw = setConfigValue(raw, 'network.backend', 'vxlan');
    raw = setConfigValue(raw, 'network.tunnel_port', '51000');
    raw = setConfigValue(raw, 'network.interface', 'w1-vx');
    raw = setConfigValue(raw, 'network.bridge', 'w1-br');
    raw = setConfigValue(raw, 'network.underlay_address', '192.168.1.7');
    expect(raw['network']).toEqual({
      enabled: true,
      backend: 'vxlan',
      tunnel_port: 51000,
      interface: 'w1-vx',
      bridge: 'w1-br',
      underlay_address: '192.168.1.7',
    });
    expect(unsetConfigValue(raw, 'network.enabled')['network']).not.toHaveProperty('enabled');
    expect(setConfigValue(raw, 'network.enabled', 'auto')['network']).toMatchObject({
      enabled: 'auto',
    });
    expect(() => setConfigValue(raw, 'network.enabled', 'yes')).toThrow(/true, false or auto/);
  });

  it('does not modify its input', () => {
    const raw = { labels: { a: 'b' } };
    setConfigValue(raw, 'labels.c', 'd');
    expect(raw).toEqual({ labels: { a: 'b' } });
  });

  it.each([
    ['colour', 'blue', /unknown config key "colour"; settable: cluster_address/],
    ['cluster_port', 'x', /whole number/],
    ['runtime.allow_privileged', 'yes', /true or false/],
    ['location', '48', /lat,long/],
  ])('refuses %s=%s', (key, value, message) => {
    expect(() => setConfigValue({}, key, value)).toThrow(ConfigEditError);
    expect(() => setConfigValue({}, key, value)).toThrow(message);
  });

  it('unsets keys and labels', () => {
    const raw = {
      cluster_port: 1,
      labels: { a: 'b', c: 'd' },
      runtime: { allow_privileged: true },
    };
    expect(unsetConfigValue(raw, 'labels.a')).toEqual({ ...raw, labels: { c: 'd' } });
    expect(unsetConfigValue(raw, 'cluster_port')).not.toHaveProperty('cluster_port');
    expect(unsetConfigValue(raw, 'runtime.allow_privileged')).toMatchObject({ runtime: {} });
    expect(() => unsetConfigValue(raw, 'nope')).toThrow(ConfigEditError);
  });
});

describe(editConfigFile.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-cfg-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the file 0600 when absent, validated', async () => {
    const path = join(dir, 'node.json');
    const config = await editConfigFile(path, (raw) =>
      setConfigValue(raw, 'cluster_address', '10.0.0.9'),
    );
    expect(config.cluster_address).toBe('10.0.0.9');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ cluster_address: '10.0.0.9' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps defaults out of the file and the file mode as it was', async () => {
    const path = join(dir, 'node.json');
    writeFileSync(path, JSON.stringify({ cluster_address: 'c' }), { mode: 0o640 });
    await editConfigFile(path, (raw) => setConfigValue(raw, 'labels.zone', 'hall'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      cluster_address: 'c',
      labels: { zone: 'hall' },
    });
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('refuses a change that makes the config invalid and leaves the file alone', async () => {
    const path = join(dir, 'node.json');
    writeFileSync(path, JSON.stringify({ cluster_address: 'c' }));
    await expect(
      editConfigFile(path, (raw) => setConfigValue(raw, 'cluster_port', '70000')),
    ).rejects.toThrow(ConfigError);
    await expect(
      editConfigFile(path, (raw) => setConfigValue(raw, 'labels.bad key', 'x')),
    ).rejects.toThrow(/labels/);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ cluster_address: 'c' });
  });

  it('needs cluster_address first when creating a file', async () => {
    await expect(
      editConfigFile(join(dir, 'new.json'), (raw) => setConfigValue(raw, 'labels.zone', 'x')),
    ).rejects.toThrow(/cluster_address: is required/);
  });
});
