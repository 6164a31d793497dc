import { ConfigError, loadConfig } from '@canopy/common';
import { RootConfig } from './root-config';

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
    });
    expect(config.httpBodyLimitBytes).toBe(1024 * 1024);
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
});
