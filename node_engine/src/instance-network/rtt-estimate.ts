import { selectClosestBackend, type ServiceRoute } from '../network';

/** Weight of a new RTT sample: smooths jitter, follows a real change within a few samples. */
export const RTT_EWMA_ALPHA = 0.3;

/** Exponentially weighted moving average of RTT samples (the first sample is taken as is). */
export function ewma(previous: number | undefined, sample: number, alpha = RTT_EWMA_ALPHA): number {
  return previous === undefined ? sample : previous + alpha * (sample - previous);
}

/** The backend each `closest` address sends to, as the renderer will choose it. Pure. */
export function closestChoices(
  routes: readonly ServiceRoute[],
  isLocal: (namespaceIp: string) => boolean,
): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const route of routes) {
    if (route.mode !== 'closest') continue;
    out.set(route.address, selectClosestBackend(route.backends, isLocal)?.namespaceIp);
  }
  return out;
}

/** The closest addresses whose chosen backend differs between two choice maps. */
export function changedChoices(
  before: ReadonlyMap<string, string | undefined>,
  after: ReadonlyMap<string, string | undefined>,
): { address: string; from: string | undefined; to: string | undefined }[] {
  const out: { address: string; from: string | undefined; to: string | undefined }[] = [];
  for (const address of new Set([...before.keys(), ...after.keys()])) {
    const from = before.get(address);
    const to = after.get(address);
    if (from !== to) out.push({ address, from, to });
  }
  return out;
}
