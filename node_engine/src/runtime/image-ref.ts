/**
 * Canonical form of an image reference for comparing what the SLA names with what the engine
 * lists: `busybox` = `busybox:latest` = `docker.io/library/busybox:latest`. Registry hosts other
 * than Docker Hub stay (`127.0.0.1:5000/canopy/busybox:test`); digests stay as they are.
 */
export function normalizeImageRef(ref: string): string {
  let name = ref.trim();
  const at = name.indexOf('@');
  const digest = at >= 0 ? name.slice(at) : '';
  if (at >= 0) name = name.slice(0, at);
  const lastSlash = name.lastIndexOf('/');
  const lastColon = name.lastIndexOf(':');
  const hasTag = lastColon > lastSlash;
  if (!hasTag && digest === '') name = `${name}:latest`;
  for (const prefix of [
    'docker.io/library/',
    'index.docker.io/library/',
    'docker.io/',
    'index.docker.io/',
  ]) {
    if (name.startsWith(prefix)) {
      name = name.slice(prefix.length);
      break;
    }
  }
  if (name.startsWith('library/')) name = name.slice('library/'.length);
  return `${name}${digest}`;
}
