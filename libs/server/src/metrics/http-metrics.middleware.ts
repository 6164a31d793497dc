import type { NextFunction, Request, Response } from 'express';
import { Histogram, type Registry } from 'prom-client';
import type { MetricsModuleOptions } from './metrics.tokens';

export type HttpRequestDuration = Histogram<'method' | 'route' | 'status_code'>;

export const UNMATCHED_ROUTE = '<unmatched>';

export function createHttpRequestDuration(
  registry: Registry,
  options: MetricsModuleOptions,
): HttpRequestDuration {
  return new Histogram({
    name: `${options.prefix}_http_request_duration_seconds`,
    help: 'Duration of HTTP requests in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

/**
 * Express middleware observing every request's duration. createHttpApp() mounts it before the
 * body parser, so requests rejected there (400 malformed JSON, 413) are counted too.
 */
export function httpMetricsMiddleware(duration: HttpRequestDuration) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = duration.startTimer();
    res.once('finish', () => {
      stop({ method: req.method, route: routeLabel(req), status_code: String(res.statusCode) });
    });
    next();
  };
}

/**
 * The `route` label is the matched route pattern (`/api/service/:id`), never the raw URL, so ids
 * do not explode the number of series. Requests no controller matched (404s, scanners) share one
 * value. Nest mounts middleware as wildcard routes (`/*path`), which is how an unmatched request
 * can still carry a `req.route`; wildcards therefore count as unmatched.
 */
export function routeLabel(req: Pick<Request, 'baseUrl' | 'route'>): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string' || path.includes('*')) return UNMATCHED_ROUTE;
  return `${req.baseUrl}${path}`;
}
