import type { CommandRunner } from './command.runner';
import { parseLinks, parseRoutes, type ObservedLink, type ObservedRoute } from './ip-json.parser';

/** Reads shared by the components; each is one `ip -j` call in the runner's (or the given) namespace. */

export async function showLink(
  runner: CommandRunner,
  name: string,
  netns?: string,
): Promise<ObservedLink | undefined> {
  const result = await runner.run(['ip', '-j', '-d', 'addr', 'show', 'dev', name], {
    netns,
    check: false,
  });
  if (result.code !== 0) return undefined; // "Device does not exist"
  return parseLinks(result.stdout)[0];
}

export async function listLinks(runner: CommandRunner, netns?: string): Promise<ObservedLink[]> {
  return parseLinks((await runner.run(['ip', '-j', '-d', 'addr', 'show'], { netns })).stdout);
}

/** Our routes in the main table (tagged with our protocol number). */
export async function listOwnRoutes(
  runner: CommandRunner,
  protocol: number,
): Promise<ObservedRoute[]> {
  return parseRoutes(
    (await runner.run(['ip', '-j', 'route', 'show', 'proto', String(protocol)])).stdout,
  );
}

/** Deletes a link if it exists; true when it did. */
export async function deleteLink(
  runner: CommandRunner,
  name: string,
  netns?: string,
): Promise<boolean> {
  const result = await runner.run(['ip', 'link', 'del', 'dev', name], { netns, check: false });
  return result.code === 0;
}

/** Polls `probe` every `intervalMs` until it returns true or `timeoutMs` passed. */
export async function waitFor(
  runner: CommandRunner,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await runner.sleep(intervalMs);
  }
}
