import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { Registry } from 'prom-client';
import {
  createHttpRequestDuration,
  httpMetricsMiddleware,
  routeLabel,
  UNMATCHED_ROUTE,
} from './http-metrics.middleware';

describe(httpMetricsMiddleware.name, () => {
  it('labels requests with the route pattern, not the URL', () => {
    expect(routeLabel({ baseUrl: '', route: { path: '/api/service/:id' } } as Request)).toBe(
      '/api/service/:id',
    );
    expect(routeLabel({ baseUrl: '/v1', route: { path: '/x' } } as Request)).toBe('/v1/x');
  });

  it('labels unmatched requests (no route, or a middleware wildcard) as one value', () => {
    expect(routeLabel({ baseUrl: '', route: undefined } as Request)).toBe(UNMATCHED_ROUTE);
    expect(routeLabel({ baseUrl: '', route: { path: '/*path' } } as Request)).toBe(UNMATCHED_ROUTE);
  });

  it('observes the duration when the response finishes', async () => {
    const registry = new Registry();
    const sut = httpMetricsMiddleware(
      createHttpRequestDuration(registry, { prefix: 'canopy_test' }),
    );
    const res = Object.assign(new EventEmitter(), { statusCode: 201 }) as unknown as Response;
    const req = { method: 'POST', baseUrl: '', route: { path: '/api/things' } } as Request;
    const next = jest.fn();

    sut(req, res, next);
    expect(next).toHaveBeenCalledTimes(1);
    (res as unknown as EventEmitter).emit('finish');

    const text = await registry.getSingleMetricAsString(
      'canopy_test_http_request_duration_seconds',
    );
    expect(text).toContain(
      'canopy_test_http_request_duration_seconds_count{method="POST",route="/api/things",status_code="201"} 1',
    );
  });
});
