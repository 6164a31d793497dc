import type { IncomingMessage, ServerResponse } from 'node:http';
import { isQuietPath, requestId, requestLogLevel } from './canopy-logger.module';

function res(statusCode = 200): ServerResponse & { headers: Record<string, unknown> } {
  const headers: Record<string, unknown> = {};
  return { statusCode, headers, setHeader: (k: string, v: unknown) => (headers[k] = v) } as never;
}

describe('CanopyLoggerModule helpers', () => {
  it.each([
    ['/health', true],
    ['/health?x=1', true],
    ['/metrics', true],
    ['/healthy', false],
    ['/api/application/', false],
    [undefined, false],
  ])('isQuietPath(%s) = %s', (url, quiet) => {
    expect(isQuietPath(url)).toBe(quiet);
  });

  it('reuses a sane incoming request id and echoes it', () => {
    const r = res();
    expect(
      requestId({ headers: { 'x-request-id': 'abc-123' } } as unknown as IncomingMessage, r),
    ).toBe('abc-123');
    expect(r.headers['x-request-id']).toBe('abc-123');
  });

  it('replaces a missing or hostile request id with a uuid', () => {
    for (const headers of [{}, { 'x-request-id': 'a b\n{"evil":1}' }]) {
      const id = requestId({ headers } as unknown as IncomingMessage, res());
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('logs 5xx and errors as error, 4xx as warn', () => {
    const req = {} as IncomingMessage;
    expect(requestLogLevel(req, res(200))).toBe('info');
    expect(requestLogLevel(req, res(404))).toBe('warn');
    expect(requestLogLevel(req, res(503))).toBe('error');
    expect(requestLogLevel(req, res(200), new Error('x'))).toBe('error');
  });
});
