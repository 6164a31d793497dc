import { validateSync } from 'class-validator';
import {
  IsBindHost,
  IsByteSize,
  IsHostPort,
  IsListenPort,
  IsLocation,
  IsMongoUrl,
  IsMqttUrl,
  IsRedisUrl,
  mongoDatabaseFromUrl,
  parseByteSize,
  parseHostPort,
  parseLocation,
} from './validators';

function messages(target: object): Record<string, string[]> {
  return Object.fromEntries(
    validateSync(target).map((e) => [e.property, Object.values(e.constraints ?? {})]),
  );
}

describe('config validators', () => {
  describe(parseLocation.name, () => {
    it.each([
      ['48.13,11.57,25', { latitude: 48.13, longitude: 11.57, radiusKm: 25 }],
      [' -33.9 , 151.2 , 0.5 ', { latitude: -33.9, longitude: 151.2, radiusKm: 0.5 }],
      ['90,-180,1', { latitude: 90, longitude: -180, radiusKm: 1 }],
    ])('parses %s', (text, expected) => {
      expect(parseLocation(text)).toEqual(expected);
    });

    it.each([
      ['abc', 'must look like "lat,long,radius"'],
      ['1,2', 'must look like "lat,long,radius"'],
      ['1,2,3,4', 'must look like "lat,long,radius"'],
      ['1,,3', 'must look like "lat,long,radius"'],
      ['91,0,1', 'latitude must be within -90..90'],
      ['0,180.5,1', 'longitude must be within -180..180'],
      ['0,0,0', 'radius (km) must be greater than 0'],
      ['0,0,-5', 'radius (km) must be greater than 0'],
    ])('rejects %s', (text, reason) => {
      const parsed = parseLocation(text);
      expect('error' in parsed && parsed.error).toContain(reason);
    });
  });

  describe('URL validators', () => {
    class Urls {
      @IsMongoUrl() mongo: unknown;
      @IsRedisUrl() redis: unknown;
      @IsMqttUrl() mqtt: unknown;
    }
    const urls = (mongo: unknown, redis: unknown, mqtt: unknown) =>
      Object.assign(new Urls(), { mongo, redis, mqtt });

    it('accepts the schemes each service speaks', () => {
      expect(
        messages(
          urls('mongodb://127.0.0.1:27017', 'redis://127.0.0.1:6379', 'mqtt://127.0.0.1:10003'),
        ),
      ).toEqual({});
      expect(
        messages(
          urls(
            'mongodb://u:p@h1:27017,h2:27017/db?replicaSet=rs0',
            'rediss://:pw@cache:6380/2',
            'mqtts://u:p@broker:8883',
          ),
        ),
      ).toEqual({});
      expect(
        messages(urls('mongodb+srv://cluster.example.com/db', 'redis://cache', 'mqtt://broker')),
      ).toEqual({});
    });

    it('rejects other schemes, garbage and non-strings with a message naming the scheme', () => {
      expect(messages(urls('http://127.0.0.1:27017', 'redis:/nohost', 42))).toEqual({
        mongo: ['must be a mongodb:// or mongodb+srv:// URL'],
        redis: ['must be a redis:// or rediss:// URL'],
        mqtt: ['must be an mqtt:// or mqtts:// URL'],
      });
      expect(messages(urls('mongodb://', 'redis://a b', 'mqtt://host/with space'))).toEqual({
        mongo: ['must be a mongodb:// or mongodb+srv:// URL'],
        redis: ['must be a redis:// or rediss:// URL'],
        mqtt: ['must be an mqtt:// or mqtts:// URL'],
      });
    });
  });

  describe(mongoDatabaseFromUrl.name, () => {
    it.each([
      ['mongodb://127.0.0.1:27017', undefined],
      ['mongodb://127.0.0.1:27017/', undefined],
      ['mongodb://127.0.0.1:27017/?directConnection=true', undefined],
      ['mongodb://127.0.0.1:27017/canopy_x', 'canopy_x'],
      ['mongodb://u:p@h1,h2/db1?replicaSet=rs', 'db1'],
      ['mongodb+srv://c.example.com/my%2Ddb', 'my-db'],
    ])('%s → %s', (url, db) => {
      expect(mongoDatabaseFromUrl(url)).toBe(db);
    });
  });

  describe(parseHostPort.name, () => {
    it.each([
      ['127.0.0.1:50052', { host: '127.0.0.1', port: 50052 }],
      ['root.example.com:443', { host: 'root.example.com', port: 443 }],
      ['[::1]:50052', { host: '[::1]', port: 50052 }],
    ])('parses %s', (text, expected) => {
      expect(parseHostPort(text)).toEqual(expected);
    });

    it.each([
      '127.0.0.1',
      ':50052',
      'host:0',
      'host:65536',
      'host:abc',
      'http://host:1',
      'ho st:1',
      '::1:50052',
    ])('rejects %s', (text) => {
      expect(parseHostPort(text)).toBeUndefined();
    });

    it('IsHostPort explains the expected shape', () => {
      class C {
        @IsHostPort() ROOT_URL: unknown = 'nope';
      }
      expect(messages(new C())).toEqual({
        ROOT_URL: ['must look like "host:port" (e.g. 127.0.0.1:50052)'],
      });
    });
  });

  describe('listen address', () => {
    class C {
      @IsListenPort() port: unknown;
      @IsBindHost() host: unknown;
    }
    it('accepts 0..65535 and hosts or IPs', () => {
      expect(messages(Object.assign(new C(), { port: 0, host: '0.0.0.0' }))).toEqual({});
      expect(messages(Object.assign(new C(), { port: 65535, host: '::' }))).toEqual({});
      expect(messages(Object.assign(new C(), { port: 8080, host: 'localhost' }))).toEqual({});
    });
    it('rejects out-of-range and non-integer ports and junk hosts', () => {
      for (const port of [-1, 65536, 1.5, Number.NaN, '80']) {
        expect(messages(Object.assign(new C(), { port, host: 'localhost' }))).toEqual({
          port: ['must be a port number 0..65535'],
        });
      }
      expect(messages(Object.assign(new C(), { port: 1, host: 'not a host' }))).toEqual({
        host: ['must be a host name or IP address (e.g. 0.0.0.0)'],
      });
    });
  });

  describe(parseByteSize.name, () => {
    it.each([
      ['512', 512],
      ['100kb', 102400],
      ['1mb', 1048576],
      ['1.5MB', 1572864],
      ['2 gb', 2147483648],
    ])('%s → %d bytes', (text, bytes) => {
      expect(parseByteSize(text)).toBe(bytes);
    });

    it.each(['', 'mb', '1tb', '-1mb', 'lots'])('rejects %s', (text) => {
      expect(parseByteSize(text)).toBeUndefined();
    });

    it('IsByteSize rejects zero and junk', () => {
      class C {
        @IsByteSize() limit: unknown;
      }
      expect(messages(Object.assign(new C(), { limit: '1mb' }))).toEqual({});
      expect(messages(Object.assign(new C(), { limit: '0kb' }))).toEqual({
        limit: ['must be a size like "512kb" or "1mb"'],
      });
      expect(messages(Object.assign(new C(), { limit: 'huge' }))).toEqual({
        limit: ['must be a size like "512kb" or "1mb"'],
      });
    });
  });

  it('IsLocation reports the specific range problem', () => {
    class C {
      @IsLocation() CLUSTER_LOCATION: unknown = '95,0,1';
    }
    expect(messages(new C())).toEqual({
      CLUSTER_LOCATION: ['must look like "lat,long,radius": latitude must be within -90..90'],
    });
  });
});
