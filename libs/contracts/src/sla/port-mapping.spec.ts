import { formatPortMappings, parsePortMappings } from './port-mapping';

describe('parsePortMappings', () => {
  it.each<[string, { hostPort: number; containerPort: number; protocol: string }[]]>([
    ['', []],
    ['80', [{ hostPort: 80, containerPort: 80, protocol: 'tcp' }]],
    ['6080:80/tcp', [{ hostPort: 6080, containerPort: 80, protocol: 'tcp' }]],
    ['9000:80', [{ hostPort: 9000, containerPort: 80, protocol: 'tcp' }]],
    ['53/udp', [{ hostPort: 53, containerPort: 53, protocol: 'udp' }]],
    [
      '8080:80;5353:53/udp;65535',
      [
        { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostPort: 5353, containerPort: 53, protocol: 'udp' },
        { hostPort: 65535, containerPort: 65535, protocol: 'tcp' },
      ],
    ],
    // Same host port on both protocols is two distinct rules.
    [
      '53/tcp;53/udp',
      [
        { hostPort: 53, containerPort: 53, protocol: 'tcp' },
        { hostPort: 53, containerPort: 53, protocol: 'udp' },
      ],
    ],
    // Only the HOST port 50103 is reserved.
    ['8000:50103', [{ hostPort: 8000, containerPort: 50103, protocol: 'tcp' }]],
  ])('accepts %j', (spec, expected) => {
    expect(parsePortMappings(spec)).toEqual({ ok: true, mappings: expected });
  });

  it.each([
    ['0', 'outside'],
    ['80:0', 'outside'],
    ['65536:80', 'outside'],
    ['50103', 'reserved'],
    ['50103:80/udp', 'reserved'],
    ['50103:80/tcp', 'reserved'],
    ['80;80', 'twice'],
    ['80:81;80:82/tcp', 'twice'],
    ['80;', 'host[:container]'],
    [';80', 'host[:container]'],
    ['80;;81', 'host[:container]'],
    ['80/sctp', 'host[:container]'],
    ['80/TCP', 'host[:container]'],
    ['80:', 'host[:container]'],
    [':80', 'host[:container]'],
    [' 80', 'host[:container]'],
    ['80:80:80', 'host[:container]'],
    ['http', 'host[:container]'],
    ['-1', 'host[:container]'],
    ['123456', 'host[:container]'],
    ['8080,9090', 'host[:container]'],
  ])('rejects %j', (spec, reason) => {
    const result = parsePortMappings(spec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(reason);
  });

  it('round-trips through formatPortMappings', () => {
    const parsed = parsePortMappings('8080:80;53/udp');
    if (!parsed.ok) throw new Error(parsed.error);
    expect(formatPortMappings(parsed.mappings)).toBe('8080:80/tcp;53:53/udp');
    expect(parsePortMappings(formatPortMappings(parsed.mappings))).toEqual(parsed);
  });
});
