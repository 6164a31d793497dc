import { DEFAULT_MAX_PAYLOAD_BYTES, parsePayload } from './parse-payload';
import { ControlDeleteDto } from './payloads/control.dto';
import { JobStatusDto } from './payloads/job-status.dto';

const valid = {
  sname: 'app.ns.svc.ns',
  status: 'RUNNING',
  status_detail: '',
  instance: 0,
  publicip: '198.18.0.2',
};

describe('parsePayload', () => {
  it('parses a string and a buffer', () => {
    const text = JSON.stringify(valid);
    for (const payload of [text, Buffer.from(text), new TextEncoder().encode(text)]) {
      const result = parsePayload(JobStatusDto, payload);
      expect(result).toEqual({ ok: true, value: expect.objectContaining(valid) });
      if (result.ok) expect(result.value).toBeInstanceOf(JobStatusDto);
    }
  });

  it('strips unknown properties by default and rejects them on request', () => {
    const text = JSON.stringify({ ...valid, extra: 1 });
    const lenient = parsePayload(JobStatusDto, text);
    expect(lenient.ok && 'extra' in lenient.value).toBe(false);
    const strict = parsePayload(JobStatusDto, text, { forbidUnknown: true });
    expect(strict).toEqual({
      ok: false,
      errors: [{ path: 'extra', message: 'property extra should not exist' }],
    });
  });

  it.each<[string, string | Uint8Array, string]>([
    ['invalid JSON', '{"sname":', 'not valid JSON'],
    ['an empty payload', '', 'not valid JSON'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'UTF-8'],
    ['a JSON array', '[]', 'JSON object'],
    ['a JSON string', '"RUNNING"', 'JSON object'],
    ['JSON null', 'null', 'JSON object'],
    ['a number', '42', 'JSON object'],
  ])('rejects %s at the root', (_description, payload, message) => {
    const result = parsePayload(JobStatusDto, payload);
    expect(result).toEqual({
      ok: false,
      errors: [{ path: '', message: expect.stringContaining(message) }],
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['instance as a string', { ...valid, instance: '0' }, 'instance'],
    ['negative instance', { ...valid, instance: -1 }, 'instance'],
    ['unknown status', { ...valid, status: 'ACTIVE' }, 'status'],
    ['missing sname', { status: 'RUNNING', instance: 0 }, 'sname'],
    ['null status_detail', { ...valid, status_detail: null }, 'status_detail'],
  ])('rejects %s with its path', (_description, body, path) => {
    const result = parsePayload(JobStatusDto, JSON.stringify(body));
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain(path);
  });

  it('rejects oversized payloads before parsing', () => {
    const huge = JSON.stringify({ ...valid, status_detail: 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES) });
    const expected = {
      ok: false,
      errors: [{ path: '', message: `payload exceeds ${DEFAULT_MAX_PAYLOAD_BYTES} bytes` }],
    };
    expect(parsePayload(JobStatusDto, huge)).toEqual(expected);
    expect(parsePayload(JobStatusDto, Buffer.from(huge))).toEqual(expected);
  });

  it('counts bytes, not characters, against maxBytes', () => {
    const text = JSON.stringify({ ...valid, status_detail: '€'.repeat(40) });
    expect(parsePayload(JobStatusDto, text, { maxBytes: text.length + 10 }).ok).toBe(false);
    expect(parsePayload(JobStatusDto, text, { maxBytes: text.length + 80 }).ok).toBe(true);
  });

  it('rejects prototype-pollution keys and deep nesting without throwing', () => {
    const polluted = parsePayload(
      ControlDeleteDto,
      '{"__proto__":{"isAdmin":true},"job_name":"a","instance_number":0}',
    );
    expect(polluted).toEqual({
      ok: false,
      errors: [{ path: '__proto__', message: expect.any(String) }],
    });
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();

    const deep = `{"job_name":"a","instance_number":0,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(parsePayload(ControlDeleteDto, deep).ok).toBe(false);
  });

  it('accepts Canopy generation on delete and rejects a bad one', () => {
    const ok = parsePayload(
      ControlDeleteDto,
      '{"job_name":"a.b.c.d","virtualization":"docker","instance_number":2,"generation":5}',
    );
    expect(ok).toMatchObject({ ok: true, value: { generation: 5 } });
    const bad = parsePayload(
      ControlDeleteDto,
      '{"job_name":"a.b.c.d","instance_number":2,"generation":-5}',
    );
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toEqual(['generation']);
  });
});
