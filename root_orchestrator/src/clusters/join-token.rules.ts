import type { JoinTokenState } from '@canopy/contracts';

/** Whether a token can register a cluster right now, and if not, why (pure). */
export function joinTokenState(
  token: {
    revoked_at: Date | null;
    expires_at: Date | null;
    max_uses: number | null;
    remaining_uses: number | null;
  },
  now: Date,
): JoinTokenState {
  if (token.revoked_at !== null) return 'revoked';
  if (token.expires_at !== null && token.expires_at.getTime() <= now.getTime()) return 'expired';
  if (token.max_uses !== null && (token.remaining_uses ?? 0) <= 0) return 'used_up';
  return 'active';
}

/** What the refused cluster is told (it holds the token, so naming the reason leaks nothing). */
export const JOIN_TOKEN_REFUSALS: Record<Exclude<JoinTokenState, 'active'> | 'unknown', string> = {
  unknown: 'the join token is not valid (unknown to this root)',
  revoked: 'the join token has been revoked',
  expired: 'the join token has expired',
  used_up: 'the join token has been used up',
};
