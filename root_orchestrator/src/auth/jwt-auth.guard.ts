import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthService } from './auth.service';
import type { Principal } from './principal';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * Protects a controller: a valid access token of an existing member is required (401 otherwise);
 * the resolved Principal is put on the request. What the principal may do is decided by the
 * services (policies.ts), not here.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.principal = await this.auth.authenticate(request.headers.authorization);
    return true;
  }
}
