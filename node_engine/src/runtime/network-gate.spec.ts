import { GATE_MOUNT, gatedCommand, isStaticElf64 } from './network-gate';

/** A little-endian ELF64 header with program headers of the given types (56 bytes each). */
function elf64(programTypes: number[], options: { class64?: boolean; type?: number } = {}): Buffer {
  const phoff = 64;
  const buffer = Buffer.alloc(phoff + 56 * programTypes.length);
  buffer.writeUInt32BE(0x7f454c46, 0);
  buffer[4] = options.class64 === false ? 1 : 2;
  buffer[5] = 1; // little endian
  buffer.writeUInt16LE(options.type ?? 2, 16);
  buffer.writeBigUInt64LE(BigInt(phoff), 32);
  buffer.writeUInt16LE(56, 54);
  buffer.writeUInt16LE(programTypes.length, 56);
  programTypes.forEach((t, i) => buffer.writeUInt32LE(t, phoff + i * 56));
  return buffer;
}

describe('gatedCommand', () => {
  it("runs the gate, then the image's entrypoint with the SLA's command", () => {
    const gated = gatedCommand({ Entrypoint: ['/docker-entrypoint.sh'], Cmd: ['nginx'] }, [
      'httpd',
      '-f',
    ]);
    expect(gated?.Entrypoint.slice(0, 3)).toEqual([GATE_MOUNT, 'sh', '-c']);
    expect(gated?.Entrypoint[3]).toContain('exec "$@"');
    expect(gated?.Cmd).toEqual(['/docker-entrypoint.sh', 'httpd', '-f']);
  });

  it("falls back to the image's command, and keeps Docker's shell form", () => {
    expect(gatedCommand({ Entrypoint: null, Cmd: ['sh', '-c', 'x'] }, [])?.Cmd).toEqual([
      'sh',
      '-c',
      'x',
    ]);
    expect(gatedCommand({ Entrypoint: 'run-me --now', Cmd: null }, [])?.Cmd).toEqual([
      '/bin/sh',
      '-c',
      'run-me --now',
    ]);
  });

  it('leaves a container with nothing to run to Docker', () => {
    expect(gatedCommand({}, [])).toBeNull();
  });

  it('waits for the default route with the mounted busybox only, and gives up after a while', () => {
    const script = gatedCommand({ Cmd: ['x'] }, [])?.Entrypoint[3] ?? '';
    expect(script).toContain('/proc/net/route');
    expect(script).toContain('"00000000"');
    expect(script).toMatch(/-lt 200 \]/); // 200 polls of 50 ms
    for (const applet of ['awk', 'usleep']) expect(script).toContain(`$b ${applet}`);
  });
});

describe('isStaticElf64', () => {
  it('accepts an executable without a program interpreter', () => {
    expect(isStaticElf64(elf64([1, 1, 4]))).toBe(true);
    expect(isStaticElf64(elf64([1, 6], { type: 3 }))).toBe(true); // static-pie
  });

  it('refuses a dynamic executable, 32-bit, truncated or non-ELF input', () => {
    expect(isStaticElf64(elf64([6, 3, 1]))).toBe(false); // PT_INTERP
    expect(isStaticElf64(elf64([1], { class64: false }))).toBe(false);
    expect(isStaticElf64(elf64([1], { type: 1 }))).toBe(false); // relocatable
    expect(isStaticElf64(elf64([1, 1]).subarray(0, 100))).toBe(false);
    expect(isStaticElf64(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(80)))).toBe(false);
    expect(isStaticElf64(Buffer.alloc(0))).toBe(false);
  });
});
