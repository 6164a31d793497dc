import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Join tokens and cluster secrets: 256 random bits, URL-safe, with a prefix that says what they
 * are (handy in logs and secret scanners). Stored as sha256 only.
 */
export const JOIN_TOKEN_PREFIX = 'cjt_';
export const CLUSTER_SECRET_PREFIX = 'ccs_';

export function generateJoinToken(): string {
  return JOIN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function generateClusterSecret(): string {
  return CLUSTER_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  if (secret === '' || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashSecret(secret), 'hex'), Buffer.from(storedHash, 'hex'));
}
