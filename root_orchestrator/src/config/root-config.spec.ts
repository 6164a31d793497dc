import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '@canopy/common';
import { RootConfig } from './root-config';
import { parseDuration } from './root-config.validators';

const required = { MONGO_URL: 'mongodb://127.0.0.1:27017', REDIS_URL: 'redis://127.0.0.1:6379' };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(RootConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(RootConfig.name, () => {
  it('applies the defaults', () => {
    const config = loadConfig(RootConfig, required);
    expect(config).toMatchObject({
      ROOT_HTTP_HOST: '0.0.0.0',
      ROOT_HTTP_PORT: 10000,
      ROOT_GRPC_PORT: 50052,
      LOG_LEVEL: 'info',
      HTTP_BODY_LIMIT: '1mb',
      JWT_ACCESS_TTL: '10m',
      JWT_REFRESH_TTL: '7d',
      BCRYPT_ROUNDS: 10,
      BULLMQ_PREFIX: 'canopy',
      SCHEDULING_RETRY_INTERVAL: '30s',
      CORS_ORIGINS: '*',
      SERVICE_IP_POOL: '10.30.0.0/16',
      INSTANCE_IP_POOL: '10.30.0.0/16',
    });
    expect(config.corsOrigin).toBe('*');
    expect(config.httpBodyLimitBytes).toBe(1024 * 1024);
    expect(config.ADMIN_PASSWORD).toBeUndefined();
    expect(config.jwtKeyPair).toBeUndefined();
    expect(config.jwtAccessTtlSeconds).toBe(600);
    expect(config.jwtRefreshTtlSeconds).toBe(604_800);
    expect(config.schedulingRetryIntervalMs).toBe(30_000);
  });

  it('uses canopy_root when MONGO_URL names no database, and the named one otherwise', () => {
    expect(loadConfig(RootConfig, required).mongoDatabase).toBe('canopy_root');
    expect(
      loadConfig(RootConfig, { ...required, MONGO_URL: 'mongodb://db:27017/prod_root' })
        .mongoDatabase,
    ).toBe('prod_root');
  });

  it('reads overrides with their types', () => {
    const config = loadConfig(RootConfig, {
      ...required,
      ROOT_HTTP_HOST: '127.0.0.1',
      ROOT_HTTP_PORT: '18000',
      ROOT_GRPC_PORT: '18052',
      LOG_LEVEL: 'debug',
      HTTP_BODY_LIMIT: '256kb',
    });
    expect(config).toMatchObject({
      ROOT_HTTP_HOST: '127.0.0.1',
      ROOT_HTTP_PORT: 18000,
      ROOT_GRPC_PORT: 18052,
    });
    expect(config.httpBodyLimitBytes).toBe(256 * 1024);
  });

  it('names every invalid variable in one message', () => {
    const error = configError({
      REDIS_URL: 'http://cache',
      ROOT_HTTP_HOST: 'not a host',
      ROOT_HTTP_PORT: 'ten',
      ROOT_GRPC_PORT: '70000',
      LOG_LEVEL: 'verbose',
      HTTP_BODY_LIMIT: 'big',
    });
    expect(error.message.split('\n').sort()).toEqual(
      [
        'MONGO_URL: is required (not set)',
        'REDIS_URL: must be a redis:// or rediss:// URL (got "http://cache")',
        'ROOT_HTTP_HOST: must be a host name or IP address (e.g. 0.0.0.0) (got "not a host")',
        'ROOT_HTTP_PORT: must be a port number 0..65535 (got "ten")',
        'ROOT_GRPC_PORT: must be a port number 0..65535 (got "70000")',
        'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
        'HTTP_BODY_LIMIT: must be a size like "512kb" or "1mb" (got "big")',
      ].sort(),
    );
  });

  it('does not echo passwords embedded in service URLs', () => {
    const error = configError({ ...required, MONGO_URL: 'mongo://root:hunter2@db:27017' });
    expect(error.message).toBe(
      'MONGO_URL: must be a mongodb:// or mongodb+srv:// URL (got "mongo://root:<redacted>@db:27017")',
    );
  });

  describe('address pools', () => {
    it('accepts IPv4 blocks', () => {
      const config = loadConfig(RootConfig, {
        ...required,
        SERVICE_IP_POOL: '10.40.0.0/20',
        INSTANCE_IP_POOL: '192.168.8.0/30',
      });
      expect(config).toMatchObject({
        SERVICE_IP_POOL: '10.40.0.0/20',
        INSTANCE_IP_POOL: '192.168.8.0/30',
      });
    });

    it('refuses anything else at boot, saying why', () => {
      const error = configError({
        ...required,
        SERVICE_IP_POOL: '10.30.1.0/16',
        INSTANCE_IP_POOL: 'fdff::/64',
      });
      expect(error.message.split('\n').sort()).toEqual([
        'INSTANCE_IP_POOL: must be an IPv4 block in CIDR notation like 10.30.0.0/16: must be an IPv4 block (got "fdff::/64")',
        'SERVICE_IP_POOL: must be an IPv4 block in CIDR notation like 10.30.0.0/16: host bits must be zero (did you mean 10.30.0.0/16?) (got "10.30.1.0/16")',
      ]);
      for (const bad of ['10.30.0.0', '10.30.0.0/31', '10.30.0.300/16', 'any']) {
        expect(configError({ ...required, SERVICE_IP_POOL: bad }).message).toMatch(
          /^SERVICE_IP_POOL: must be an IPv4 block/,
        );
      }
    });
  });

  describe('auth settings', () => {
    const rsa = (bits: number) =>
      generateKeyPairSync('rsa', {
        modulusLength: bits,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
    const pair = rsa(2048);

    it('accepts a matching PEM pair, also with \\n escapes on one line', () => {
      const config = loadConfig(RootConfig, {
        ...required,
        JWT_PRIVATE_KEY: pair.privateKey.replace(/\n/g, '\\n'),
        JWT_PUBLIC_KEY: pair.publicKey,
      });
      expect(config.jwtKeyPair).toEqual({
        privateKeyPem: pair.privateKey,
        publicKeyPem: pair.publicKey,
      });
    });

    it('refuses half a pair, a mismatched pair, junk and short keys, without echoing them', () => {
      const other = rsa(2048);
      const problems = (env: Record<string, string>) =>
        configError({ ...required, ...env }).message;
      expect(problems({ JWT_PRIVATE_KEY: pair.privateKey })).toBe(
        'JWT_PUBLIC_KEY: is required when JWT_PRIVATE_KEY is set (not set)',
      );
      expect(problems({ JWT_PUBLIC_KEY: pair.publicKey })).toContain(
        'requires JWT_PRIVATE_KEY to be set too',
      );
      expect(
        problems({ JWT_PRIVATE_KEY: pair.privateKey, JWT_PUBLIC_KEY: other.publicKey }),
      ).toContain('is not the public half of JWT_PRIVATE_KEY');
      const junk = problems({ JWT_PRIVATE_KEY: 'junk', JWT_PUBLIC_KEY: pair.publicKey });
      expect(junk).toContain(
        'JWT_PRIVATE_KEY: must be a PEM-encoded RSA private key of at least 2048 bits',
      );
      expect(junk).not.toContain('junk"');
      const short = rsa(1024);
      expect(
        problems({ JWT_PRIVATE_KEY: short.privateKey, JWT_PUBLIC_KEY: short.publicKey }),
      ).toContain('at least 2048 bits');
    });

    it('validates ADMIN_PASSWORD, lifetimes, bcrypt cost and the queue prefix', () => {
      const error = configError({
        ...required,
        ADMIN_PASSWORD: 'short',
        JWT_ACCESS_TTL: '10 minutes',
        JWT_REFRESH_TTL: '0d',
        BCRYPT_ROUNDS: '3',
        BULLMQ_PREFIX: 'has space',
        SCHEDULING_RETRY_INTERVAL: '-1s',
      });
      const lines = error.message.split('\n');
      expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(
        [
          'ADMIN_PASSWORD',
          'BCRYPT_ROUNDS',
          'BULLMQ_PREFIX',
          'JWT_ACCESS_TTL',
          'JWT_REFRESH_TTL',
          'SCHEDULING_RETRY_INTERVAL',
        ].sort(),
      );
      expect(error.message).not.toContain('short"');
      expect(
        loadConfig(RootConfig, { ...required, ADMIN_PASSWORD: 'long enough' }).ADMIN_PASSWORD,
      ).toBe('long enough');
    });

    it('reads CORS origins as "*" or a list', () => {
      expect(
        loadConfig(RootConfig, {
          ...required,
          CORS_ORIGINS: 'https://dash.example.org, http://10.0.0.5:8080',
        }).corsOrigin,
      ).toEqual(['https://dash.example.org', 'http://10.0.0.5:8080']);
      expect(configError({ ...required, CORS_ORIGINS: 'dash.example.org' }).message).toContain(
        'CORS_ORIGINS: must be "*"',
      );
    });

    it.each([
      ['500ms', 500],
      ['30s', 30_000],
      ['10m', 600_000],
      ['1h', 3_600_000],
      ['7d', 604_800_000],
    ])('parses the duration %s', (text, ms) => {
      expect(parseDuration(text)).toBe(ms);
    });
  });
});
