import { factory } from '../testing/factories';
import { specHash } from '../desired/instance-spec';
import { CanopyLabel, containerName, instanceLabels, readInstanceLabels } from './container-labels';
import { demuxDockerLogs, tailUtf8 } from './docker-log-stream';
import { cpuPercent, memoryPercent } from './docker-stats';
import { normalizeImageRef } from './image-ref';

describe('container labels', () => {
  it('round-trip the instance identity', () => {
    const spec = factory.spec({ _id: 'svc1', generation: 7, one_shot: true });
    const labels = instanceLabels('node-1', spec, specHash(spec));
    expect(labels).toMatchObject({
      [CanopyLabel.MANAGED]: 'true',
      [CanopyLabel.NODE_ID]: 'node-1',
      [CanopyLabel.JOB_NAME]: 'app.ns.web.ns',
      [CanopyLabel.INSTANCE_NUMBER]: '0',
      [CanopyLabel.GENERATION]: '7',
      [CanopyLabel.SERVICE_ID]: 'svc1',
      [CanopyLabel.ONE_SHOT]: 'true',
    });
    expect(JSON.parse(labels[CanopyLabel.SPEC] ?? '')).toEqual(spec);
    expect(readInstanceLabels(labels)).toEqual({
      key: 'app.ns.web.ns#0',
      jobName: 'app.ns.web.ns',
      instanceNumber: 0,
      generation: 7,
      specHash: specHash(spec),
      oneShot: true,
    });
  });

  it('give no key for unusable labels', () => {
    expect(readInstanceLabels(undefined).key).toBeUndefined();
    expect(
      readInstanceLabels({ [CanopyLabel.JOB_NAME]: 'a', [CanopyLabel.INSTANCE_NUMBER]: '-1' }).key,
    ).toBeUndefined();
    expect(readInstanceLabels({ [CanopyLabel.INSTANCE_NUMBER]: '1' }).key).toBeUndefined();
  });

  it('name containers like Oakestra tasks, sanitised for Docker', () => {
    expect(containerName('app.ns.web.ns', 3)).toBe('app.ns.web.ns.instance.3');
    expect(containerName('_weird name/x', 0)).toBe('c_weird_name_x.instance.0');
    expect(containerName('a'.repeat(300), 1).length).toBeLessThanOrEqual(200);
  });
});

describe(normalizeImageRef.name, () => {
  it.each([
    ['busybox', 'busybox:latest'],
    ['docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'busybox:latest'],
    ['docker.io/canopy/busybox:test', 'canopy/busybox:test'],
    ['127.0.0.1:5000/canopy/busybox:test', '127.0.0.1:5000/canopy/busybox:test'],
    ['localhost:5000/x', 'localhost:5000/x:latest'],
    ['busybox@sha256:abc', 'busybox@sha256:abc'],
  ])('%s → %s', (ref, expected) => {
    expect(normalizeImageRef(ref)).toBe(expected);
  });
});

describe('docker log frames', () => {
  const frame = (type: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = type;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('demultiplexes stdout and stderr in order', () => {
    expect(demuxDockerLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')])).toString()).toBe(
      'out\nerr\n',
    );
  });

  it('passes TTY output through', () => {
    expect(demuxDockerLogs(Buffer.from('plain text here')).toString()).toBe('plain text here');
  });

  it('takes the last bytes without splitting a character', () => {
    expect(tailUtf8('abcdef', 3)).toBe('def');
    expect(tailUtf8('ééé', 3)).toBe('é'); // 6 bytes; a cut at 3 would split the 2nd é
    expect(Buffer.byteLength(tailUtf8('x'.repeat(5000), 1024))).toBe(1024);
  });
});

describe('docker stats', () => {
  it('computes CPU as a share of the machine between two samples', () => {
    expect(cpuPercent(undefined, { containerTotal: 10, systemTotal: 100 })).toBeUndefined();
    expect(
      cpuPercent({ containerTotal: 0, systemTotal: 0 }, { containerTotal: 25, systemTotal: 100 }),
    ).toBe(25);
    expect(
      cpuPercent({ containerTotal: 50, systemTotal: 0 }, { containerTotal: 10, systemTotal: 100 }),
    ).toBeUndefined();
  });

  it('computes memory without page cache against the limit', () => {
    const stats = { memory_stats: { usage: 60, limit: 100, stats: { inactive_file: 10 } } };
    expect(memoryPercent(stats as never)).toBe(50);
    expect(memoryPercent({ memory_stats: {} } as never)).toBe(0);
  });
});
