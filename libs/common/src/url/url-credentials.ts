/**
 * Helpers that keep credentials out of logs, health details and error messages. Service URLs
 * (mongodb://user:pass@host, mqtt://user:pass@host) are the usual way secrets leak into output.
 */

export const REDACTED = '<redacted>';

// Matches "scheme://userinfo@" without parsing the rest, so it also works for URLs the WHATWG
// parser rejects (mongodb://h1:27017,h2:27017/db has a multi-host authority).
const USERINFO = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^@/?#]*)@/;

/** Replaces the password of a URL (if any) with `<redacted>`; keeps the user name for debugging. */
export function redactUrlCredentials(url: string): string {
  return url.replace(USERINFO, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon < 0) return `${scheme}${userinfo}@`;
    return `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`;
  });
}

/** Drops the user name and password of a URL entirely (for health details shown to anyone). */
export function stripUrlCredentials(url: string): string {
  return url.replace(USERINFO, (_all, scheme: string) => scheme);
}
