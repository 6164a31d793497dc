import { OBJECT_ID_PATTERN } from '@canopy/contracts';

/**
 * Ids in paths are checked before they reach a query: a malformed id is simply "not found", never a
 * cast error. Only the canonical lowercase hex form is accepted (it is how ids are rendered).
 */
export function isObjectIdHex(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID_PATTERN.test(value);
}

/** Oakestra's rendering of an id where it uses BSON extended JSON (applications, organizations). */
export function toOid(id: string): { $oid: string } {
  return { $oid: id };
}
