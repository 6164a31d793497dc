import { inspectPlainJson } from '@canopy/contracts';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { BadRequestError } from '../errors/domain-errors';

/**
 * Runs before any pipe: every JSON body must be an object of bounded depth and size, without
 * `__proto__`-style keys. class-transformer (inside the ValidationPipe) recurses through the whole
 * body, so a deeply nested one would otherwise overflow the stack and become a 500.
 */
@Injectable()
export class BodyShapeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') checkBody(context.switchToHttp().getRequest<Request>().body);
    return next.handle();
  }
}

export function checkBody(body: unknown): void {
  if (body === undefined) return;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('Request body must be a JSON object');
  }
  const issues = inspectPlainJson(body);
  if (issues.length > 0) throw new BadRequestError('Request body is not acceptable JSON', issues);
}
