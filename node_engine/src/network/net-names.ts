import { createHash } from 'node:crypto';

/** Linux interface names hold at most 15 characters (IFNAMSIZ 16 with the NUL). */
export const IFNAME_MAX = 15;

/** Longest prefix that leaves room for the role letter and the 10-hex-digit hash. */
export const LINK_PREFIX_MAX = IFNAME_MAX - 11;

/** Name of the instance's end of its veth inside its namespace. */
export const INSTANCE_IFNAME = 'eth0';

/** Letters, digits and `_.-`, 1-15 chars, not `.`/`..` (what the kernel's dev_valid_name allows, minus oddities). */
export function isValidIfName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(name) && name !== '.' && name !== '..';
}

/** Link prefixes are letters and digits only, so a generated name can never look like another role's. */
export function isValidLinkPrefix(prefix: string): boolean {
  return /^[a-z][a-z0-9]*$/.test(prefix) && prefix.length <= LINK_PREFIX_MAX;
}

/** 40 bits of SHA-256 of the instance key: collisions are checked by the validator anyway. */
export function instanceHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 10);
}

/**
 * The host-side veth of an instance: `<prefix>v<hash>` (≤ 15 chars). Derived from the instance
 * key only, so the same instance maps to the same link across agent restarts and reconcile
 * finds it without any stored state.
 */
export function instanceLinkName(prefix: string, key: string): string {
  if (!isValidLinkPrefix(prefix)) throw new Error(`invalid link prefix "${prefix}"`);
  return `${prefix}v${instanceHash(key)}`;
}

/** True for names instanceLinkName can produce with this prefix (orphan detection after a crash). */
export function isInstanceLinkName(prefix: string, name: string): boolean {
  return name.length === prefix.length + 11 && new RegExp(`^${prefix}v[0-9a-f]{10}$`).test(name);
}
