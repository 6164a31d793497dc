import { IsDefined, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigError } from './config-error';
import { configVariables, loadConfig } from './load-config';
import { IsLocation, IsLogLevel, IsMongoUrl } from './validators';

class SampleConfig {
  @IsDefined({ message: 'is required' })
  @IsMongoUrl()
  MONGO_URL!: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  HTTP_PORT: number = 10000;

  @IsOptional()
  @IsLocation()
  SITE_LOCATION?: string;

  @IsLogLevel()
  LOG_LEVEL: string = 'info';

  @IsOptional()
  @IsString()
  API_TOKEN?: string;

  @IsOptional()
  @IsInt()
  DB_PASSWORD_ROTATION_DAYS?: number;
}

class ExtendedConfig extends SampleConfig {
  @IsString()
  EXTRA: string = 'x';
}

const valid = { MONGO_URL: 'mongodb://127.0.0.1:27017/app' };

function problemsOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(SampleConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(loadConfig.name, () => {
  it('applies defaults and converts values to the declared types', () => {
    const config = loadConfig(SampleConfig, { ...valid, HTTP_PORT: '10001' });
    expect(config).toBeInstanceOf(SampleConfig);
    expect(config.HTTP_PORT).toBe(10001);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.SITE_LOCATION).toBeUndefined();
  });

  it('copies only declared variables, not the rest of the environment', () => {
    const config = loadConfig(SampleConfig, { ...valid, PATH: '/usr/bin', HOME: '/root' });
    expect(Object.keys(config).sort()).toEqual(['HTTP_PORT', 'LOG_LEVEL', 'MONGO_URL']);
  });

  it('treats empty and blank values as unset so defaults apply', () => {
    const config = loadConfig(SampleConfig, { ...valid, HTTP_PORT: '', LOG_LEVEL: '  ' });
    expect(config.HTTP_PORT).toBe(10000);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('lists every invalid variable at once, one line each', () => {
    const error = problemsOf({ HTTP_PORT: 'abc', SITE_LOCATION: 'abc', LOG_LEVEL: 'loud' });
    expect(error.problems.map((p) => p.variable)).toEqual([
      'MONGO_URL',
      'HTTP_PORT',
      'SITE_LOCATION',
      'LOG_LEVEL',
    ]);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines).toContain('MONGO_URL: is required (not set)');
    expect(lines).toContain('SITE_LOCATION: must look like "lat,long,radius" (got "abc")');
    expect(lines).toContain(
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    );
    const port = lines.find((l) => l.startsWith('HTTP_PORT: '));
    // The built-in message without the repeated property name, and the raw text, not NaN.
    expect(port).toMatch(/^HTTP_PORT: .*must be an integer number.* \(got "abc"\)$/);
  });

  it('reports a blank required variable as not set', () => {
    expect(problemsOf({ MONGO_URL: '' }).message).toBe('MONGO_URL: is required (not set)');
  });

  it('never prints values of variables whose names look secret', () => {
    const error = problemsOf({ ...valid, API_TOKEN: '   ', DB_PASSWORD_ROTATION_DAYS: 'hunter2' });
    expect(error.message).toBe(
      'DB_PASSWORD_ROTATION_DAYS: must be an integer number (got <redacted>)',
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('redacts passwords inside URLs of non-secret variables', () => {
    const error = problemsOf({ MONGO_URL: 'http://admin:hunter2@db:27017' });
    expect(error.message).toBe(
      'MONGO_URL: must be a mongodb:// or mongodb+srv:// URL (got "http://admin:<redacted>@db:27017")',
    );
  });

  it('reads inherited variables too', () => {
    expect(configVariables(ExtendedConfig)).toEqual(expect.arrayContaining(['MONGO_URL', 'EXTRA']));
    expect(loadConfig(ExtendedConfig, { ...valid, EXTRA: 'y' }).EXTRA).toBe('y');
  });
});
