/**
 * Docker multiplexes stdout/stderr of a container without TTY into frames: 1 byte stream type
 * (0 stdin, 1 stdout, 2 stderr), 3 zero bytes, 4 bytes big-endian length, then the payload.
 * Returns the payloads in order; a buffer that is not framed (TTY containers) is returned as is.
 */
export function demuxDockerLogs(buffer: Uint8Array): Buffer {
  const data = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (!looksFramed(data)) return data;
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= data.length) {
    const size = data.readUInt32BE(at + 4);
    parts.push(data.subarray(at + 8, Math.min(data.length, at + 8 + size)));
    at += 8 + size;
  }
  return Buffer.concat(parts);
}

function looksFramed(data: Buffer): boolean {
  if (data.length < 8) return data.length === 0;
  const type = data[0] ?? 255;
  return type <= 2 && data[1] === 0 && data[2] === 0 && data[3] === 0;
}

/**
 * The last `maxBytes` bytes of `text` as UTF-8, without splitting a character (Oakestra sends
 * the last 1024 bytes of an instance's log in `jobs/resources`).
 */
export function tailUtf8(text: Buffer | string, maxBytes: number): string {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (bytes.length <= maxBytes) return bytes.toString('utf8');
  let start = bytes.length - maxBytes;
  // Skip UTF-8 continuation bytes (10xxxxxx) so the tail starts on a character boundary.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
