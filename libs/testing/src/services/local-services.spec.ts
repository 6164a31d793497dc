import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLocalServices, LocalServicesMissingError, parseEnvFile } from './local-services';

describe('parseEnvFile', () => {
  it('reads KEY=value lines and ignores comments and blanks', () => {
    expect(parseEnvFile('# c\nA=1\n\nB = x=y \nnot-a-pair\n')).toEqual({ A: '1', B: 'x=y' });
  });

  it('strips the single quotes provision.sh puts around URLs with metacharacters', () => {
    expect(parseEnvFile("MONGO_URL='mongodb://h:1/?a=b&c=d'")).toEqual({
      MONGO_URL: 'mongodb://h:1/?a=b&c=d',
    });
  });
});

describe(loadLocalServices.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-env-'));
  writeFileSync(
    join(dir, 'local.env'),
    [
      'MONGO_URL=mongodb://127.0.0.1:27017',
      'REDIS_URL=redis://127.0.0.1:6379',
      'MQTT_URL=mqtt://127.0.0.1:10003',
      'MQTT_ADMIN_USERNAME=canopy-admin',
      'MQTT_ADMIN_PASSWORD=pw',
    ].join('\n'),
  );

  it('reads the provisioned file and lets the environment override it', () => {
    const s = loadLocalServices({ CANOPY_STATE_DIR: dir, REDIS_URL: 'redis://10.0.0.1:7000' });
    expect(s.mongoUrl).toBe('mongodb://127.0.0.1:27017');
    expect(s.redisUrl).toBe('redis://10.0.0.1:7000');
    expect(s.testImage).toBe('canopy/busybox:test');
    expect(s.registry).toBeUndefined();
  });

  it('names the missing variable and the command that provisions it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'canopy-env-'));
    expect(() => loadLocalServices({ CANOPY_STATE_DIR: empty })).toThrow(LocalServicesMissingError);
    expect(() => loadLocalServices({ CANOPY_STATE_DIR: empty })).toThrow(
      /MONGO_URL.*provision\.sh/,
    );
  });
});
