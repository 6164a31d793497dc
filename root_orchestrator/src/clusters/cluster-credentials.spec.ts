import {
  generateClusterSecret,
  generateJoinToken,
  hashSecret,
  secretMatches,
} from './cluster-credentials';
import { joinTokenState } from './join-token.rules';

describe('cluster credentials', () => {
  it('generates distinct, prefixed, URL-safe tokens and secrets', () => {
    const tokens = new Set(Array.from({ length: 50 }, generateJoinToken));
    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(/^cjt_[A-Za-z0-9_-]{43}$/);
    expect(generateClusterSecret()).toMatch(/^ccs_[A-Za-z0-9_-]{43}$/);
  });

  it('verifies a secret against its hash only', () => {
    const secret = generateClusterSecret();
    const hash = hashSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret);
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(`${secret}x`, hash)).toBe(false);
    expect(secretMatches('', hashSecret(''))).toBe(false);
    expect(secretMatches(secret, 'not-a-hash')).toBe(false);
  });
});

describe('join token state', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  interface TokenState {
    revoked_at: Date | null;
    expires_at: Date | null;
    max_uses: number | null;
    remaining_uses: number | null;
  }
  const base: TokenState = { revoked_at: null, expires_at: null, max_uses: 1, remaining_uses: 1 };

  it.each<[string, Partial<TokenState>, string]>([
    ['fresh', {}, 'active'],
    ['unlimited', { max_uses: null, remaining_uses: null }, 'active'],
    ['revoked wins', { revoked_at: now, remaining_uses: 0 }, 'revoked'],
    ['expired', { expires_at: now }, 'expired'],
    ['not yet expired', { expires_at: new Date(now.getTime() + 1) }, 'active'],
    ['used up', { remaining_uses: 0 }, 'used_up'],
  ])('%s', (_name, overrides, expected) => {
    expect(joinTokenState({ ...base, ...overrides }, now)).toBe(expected);
  });
});
