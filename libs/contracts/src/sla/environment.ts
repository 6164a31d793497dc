/** Name part of a `VAR=value` entry: a POSIX shell-compatible variable name. */
const ENV_ENTRY = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * True for an SLA `environment` entry `VAR=value`. The value may be empty or contain `=`; NUL
 * is rejected because it cannot be passed to a process environment.
 */
export function isEnvironmentEntry(entry: unknown): entry is string {
  return typeof entry === 'string' && ENV_ENTRY.test(entry) && !entry.includes('\0');
}

/** Splits `VAR=value` at the first `=`; null when the entry is malformed. */
export function parseEnvironmentEntry(entry: string): { name: string; value: string } | null {
  if (!isEnvironmentEntry(entry)) return null;
  const at = entry.indexOf('=');
  return { name: entry.slice(0, at), value: entry.slice(at + 1) };
}
