import { open } from 'node:fs/promises';

/**
 * The network gate (config `network.gate_binary`). Docker creates a container's network
 * namespace only when it starts it, so the net manager can attach the veth only after the
 * container's process is already running: a program that connects at once would find nothing
 * but `lo`. With the gate, the container's command runs behind a static busybox bind-mounted
 * from the worker, whose shell waits until the namespace has its default route (the last
 * thing the attach installs) and then `exec`s the original entrypoint and command, which stays
 * PID 1 with its own signals and exit code.
 */

/** Where the gate binary is mounted inside every gated container. */
export const GATE_MOUNT = '/.canopy/busybox';

/** How long the gate waits (then starts the program anyway; the reconcile attaches later). */
export const GATE_TIMEOUT_MS = 10_000;
const GATE_POLL_MS = 50;

/** `$0` of the gate's shell: what `ps` shows for the moment it waits. */
const GATE_NAME = 'canopy-network-gate';

/*
 * /proc/net/route lists a default route as destination 00000000. Only busybox applets called
 * through the mounted binary are used: the image may have no shell or tools of its own.
 */
const GATE_SCRIPT = [
  `b=${GATE_MOUNT}; i=0`,
  `while [ "$i" -lt ${GATE_TIMEOUT_MS / GATE_POLL_MS} ] && ! $b awk '$2 == "00000000" { f = 1 } END { exit !f }' /proc/net/route; do`,
  `  i=$((i + 1)); $b usleep ${GATE_POLL_MS * 1000}`,
  'done',
  'exec "$@"',
].join('\n');

export interface GatedCommand {
  Entrypoint: string[];
  Cmd: string[];
}

/**
 * The entrypoint and command of a gated container: the gate, then what Docker would have run —
 * the image's entrypoint followed by the SLA's command, or else the image's own command. Null
 * when there is nothing to run (Docker refuses such a container with its own message). Pure.
 */
export function gatedCommand(
  image: { Entrypoint?: string[] | string | null; Cmd?: string[] | string | null },
  specCmd: readonly string[],
): GatedCommand | null {
  const entrypoint = asArgv(image.Entrypoint);
  const cmd = specCmd.length > 0 ? [...specCmd] : asArgv(image.Cmd);
  const argv = [...entrypoint, ...cmd];
  if (argv.length === 0) return null;
  return { Entrypoint: [GATE_MOUNT, 'sh', '-c', GATE_SCRIPT, GATE_NAME], Cmd: argv };
}

/** Image configs hold arrays; a plain string is Docker's shell form. */
function asArgv(value: string[] | string | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return typeof value === 'string' ? ['/bin/sh', '-c', value] : value;
}

const ELF_MAGIC = 0x7f454c46;
const PT_INTERP = 3;

/**
 * Whether `header` (the first bytes of a file, ≥ 64 + its program headers) is a 64-bit ELF
 * executable without a program interpreter, i.e. statically linked: a dynamic binary mounted
 * into an image without the same libc would not start at all. Pure.
 */
export function isStaticElf64(header: Buffer): boolean {
  if (header.length < 64 || header.readUInt32BE(0) !== ELF_MAGIC) return false;
  if (header[4] !== 2) return false; // ELFCLASS64
  const little = header[5] === 1;
  const u16 = (at: number): number => (little ? header.readUInt16LE(at) : header.readUInt16BE(at));
  const u32 = (at: number): number => (little ? header.readUInt32LE(at) : header.readUInt32BE(at));
  const type = u16(16);
  if (type !== 2 && type !== 3) return false; // ET_EXEC or ET_DYN (static-pie)
  const phoff = Number(little ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32));
  const phentsize = u16(54);
  const phnum = u16(56);
  if (phnum === 0 || phentsize < 4 || phoff + phnum * phentsize > header.length) return false;
  for (let i = 0; i < phnum; i++) {
    if (u32(phoff + i * phentsize) === PT_INTERP) return false;
  }
  return true;
}

/** Reads enough of `path` to judge it with isStaticElf64; false when it cannot be read. */
export async function isStaticBinary(path: string): Promise<boolean> {
  try {
    const file = await open(path, 'r');
    try {
      const header = Buffer.alloc(4096);
      const { bytesRead } = await file.read(header, 0, header.length, 0);
      return isStaticElf64(header.subarray(0, bytesRead));
    } finally {
      await file.close();
    }
  } catch {
    return false;
  }
}
