import { NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { ApiExceptionFilter, errorBody } from './api-exception.filter';
import { ConflictError, UnprocessableError } from './domain-errors';

function fakeHost() {
  const response = {
    headersSent: false,
    statusCode: 0,
    body: undefined as unknown,
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    json(body: unknown) {
      this.body = body;
      return this;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) };
  return { host: host as never, response };
}

describe(ApiExceptionFilter.name, () => {
  const logged: unknown[] = [];
  const filter = new ApiExceptionFilter({
    error: (...args: unknown[]) => logged.push(args),
  } as never);

  it.each([
    [
      new UnprocessableError('bad SLA', [{ path: 'a[0].b', message: 'b must be a string' }]),
      errorBody(422, 'bad SLA', [{ path: 'a[0].b', message: 'b must be a string' }]),
    ],
    [new ConflictError('taken'), { statusCode: 409, error: 'Conflict', message: 'taken' }],
    [
      new NotFoundException('Cannot GET /x'),
      { statusCode: 404, error: 'Not Found', message: 'Cannot GET /x' },
    ],
    [
      { status: 413, type: 'entity.too.large', message: 'request entity too large' },
      { statusCode: 413, error: 'Payload Too Large', message: 'Request body is too large' },
    ],
    [
      Object.assign(new Error('E11000 duplicate key'), { code: 11000 }),
      {
        statusCode: 409,
        error: 'Conflict',
        message: 'An object with the same unique name already exists',
      },
    ],
  ])('maps %p', (exception, expected) => {
    const { host, response } = fakeHost();
    filter.catch(exception, host);
    expect(response.body).toEqual(expected);
    expect(response.statusCode).toBe((expected as { statusCode: number }).statusCode);
  });

  it('answers anything unexpected with a bare 500 and logs it', () => {
    const { host, response } = fakeHost();
    filter.catch(new TypeError('secret internals'), host);
    expect(response.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
    expect(logged).toHaveLength(1);
  });

  it("keeps the health check's own 503 body", () => {
    const { host, response } = fakeHost();
    const health = { status: 'error', info: {}, error: { redis: { status: 'down' } }, details: {} };
    filter.catch(new ServiceUnavailableException(health), host);
    expect(response.statusCode).toBe(503);
    expect(response.body).toEqual(health);
  });
});
