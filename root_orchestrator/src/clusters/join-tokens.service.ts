import {
  type CreatedJoinTokenView,
  type CreateJoinTokenDto,
  DEFAULT_JOIN_TOKEN_TTL_SECONDS,
  type JoinTokenView,
} from '@canopy/contracts';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { requireAdmin } from '../auth/policies';
import type { Principal } from '../auth/principal';
import { NotFoundError } from '../common/errors/domain-errors';
import { RootConfig } from '../config/root-config';
import { generateJoinToken, hashSecret } from './cluster-credentials';
import { type JoinToken, JoinTokenRepository } from './join-token.repository';
import { JOIN_TOKEN_REFUSALS, joinTokenState } from './join-token.rules';

export const JOIN_TOKEN_NOT_FOUND = 'Join token not found';
export const BOOTSTRAP_TOKEN_CREATOR = 'ROOT_BOOTSTRAP_CLUSTER_TOKEN';

/** A join token was refused; `reason` is what the cluster is told. */
export class JoinTokenRefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'JoinTokenRefusedError';
  }
}

/**
 * Join tokens: issued by an Admin (shown once, stored hashed), listed, revoked; consumed by
 * cluster registration. ROOT_BOOTSTRAP_CLUSTER_TOKEN seeds one reusable token at boot.
 */
@Injectable()
export class JoinTokensService implements OnApplicationBootstrap {
  constructor(
    private readonly tokens: JoinTokenRepository,
    private readonly config: RootConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('JoinTokens');
  }

  async onApplicationBootstrap(): Promise<void> {
    const token = this.config.ROOT_BOOTSTRAP_CLUSTER_TOKEN;
    if (token === undefined) return;
    const inserted = await this.tokens.insertIfAbsent({
      token_hash: hashSecret(token),
      description: 'bootstrap token from ROOT_BOOTSTRAP_CLUSTER_TOKEN',
      max_uses: null,
      created_at: new Date(),
      created_by: BOOTSTRAP_TOKEN_CREATOR,
      expires_at: null,
    });
    const stored = await this.tokens.findByHash(hashSecret(token));
    if (stored?.revoked_at) {
      this.logger.warn(
        { tokenId: stored.id },
        'ROOT_BOOTSTRAP_CLUSTER_TOKEN is set but that token was revoked; it stays revoked',
      );
    } else if (inserted) {
      this.logger.info({ tokenId: stored?.id }, 'bootstrap cluster join token registered');
    }
  }

  async create(principal: Principal, dto: CreateJoinTokenDto): Promise<CreatedJoinTokenView> {
    requireAdmin(principal);
    const token = generateJoinToken();
    const now = new Date();
    const ttl = dto.ttl_seconds ?? DEFAULT_JOIN_TOKEN_TTL_SECONDS;
    const stored = await this.tokens.insert({
      token_hash: hashSecret(token),
      description: dto.description ?? '',
      max_uses: dto.max_uses ?? 1,
      created_at: now,
      created_by: principal.username,
      expires_at: ttl === 0 ? null : new Date(now.getTime() + ttl * 1000),
    });
    this.logger.info(
      { tokenId: stored.id, by: principal.username, maxUses: stored.max_uses },
      'cluster join token issued',
    );
    return { ...toJoinTokenView(stored, now), token };
  }

  async list(principal: Principal): Promise<JoinTokenView[]> {
    requireAdmin(principal);
    const now = new Date();
    return (await this.tokens.list()).map((t) => toJoinTokenView(t, now));
  }

  async revoke(principal: Principal, id: string): Promise<JoinTokenView> {
    requireAdmin(principal);
    const token = await this.tokens.revoke(id, new Date());
    if (!token) throw new NotFoundError(JOIN_TOKEN_NOT_FOUND);
    this.logger.info({ tokenId: id, by: principal.username }, 'cluster join token revoked');
    return toJoinTokenView(token, new Date());
  }

  /** The token if it could register a cluster now (nothing is taken); throws JoinTokenRefusedError. */
  async verify(token: string): Promise<JoinToken> {
    const stored = await this.tokens.findByHash(hashSecret(token));
    if (!stored) throw new JoinTokenRefusedError(JOIN_TOKEN_REFUSALS.unknown);
    const state = joinTokenState(stored, new Date());
    if (state !== 'active') throw new JoinTokenRefusedError(JOIN_TOKEN_REFUSALS[state]);
    return stored;
  }

  /** Takes one use of the token for a new cluster; throws JoinTokenRefusedError. */
  async consume(token: string): Promise<JoinToken> {
    const stored = await this.verify(token);
    if (!(await this.tokens.takeUse(stored))) {
      // Lost a race for the last use, or revoked in between.
      const now = await this.tokens.findById(stored.id);
      const after = now ? joinTokenState(now, new Date()) : 'revoked';
      throw new JoinTokenRefusedError(JOIN_TOKEN_REFUSALS[after === 'active' ? 'used_up' : after]);
    }
    return stored;
  }

  returnUse(token: JoinToken): Promise<void> {
    return this.tokens.returnUse(token);
  }

  recordCluster(token: JoinToken, clusterId: string): Promise<void> {
    return this.tokens.addCluster(token.id, clusterId);
  }
}

export function toJoinTokenView(token: JoinToken, now: Date): JoinTokenView {
  return {
    id: token.id,
    description: token.description,
    max_uses: token.max_uses,
    uses: token.uses,
    created_at: token.created_at.toISOString(),
    created_by: token.created_by,
    expires_at: token.expires_at?.toISOString() ?? null,
    revoked_at: token.revoked_at?.toISOString() ?? null,
    state: joinTokenState(token, now),
    clusters: token.clusters,
  };
}
