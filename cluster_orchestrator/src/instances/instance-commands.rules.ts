import { ALL_INSTANCES } from '@canopy/contracts';

/**
 * What a DeployInstance does given what the cluster stores (pure; the repository applies it
 * atomically). Commands can arrive twice (re-sent after a reconnect, or by the root's reconcile
 * before the previous one was reported) and late (an older command after a newer one).
 */
export type DeployDecision = 'apply' | 'duplicate' | 'stale';

export function decideDeploy(
  stored: { generation: number } | null,
  command: { generation: number },
): DeployDecision {
  if (stored === null || stored.generation < command.generation) return 'apply';
  return stored.generation === command.generation ? 'duplicate' : 'stale';
}

/** An undeploy removes the instance only if it does not carry a newer generation. */
export type UndeployDecision = 'remove' | 'absent' | 'stale' | 'remove_service';

export function decideUndeploy(
  stored: { generation: number } | null,
  command: { instance_number: number; generation: number },
): UndeployDecision {
  if (command.instance_number === ALL_INSTANCES) return 'remove_service';
  if (stored === null) return 'absent';
  return stored.generation <= command.generation ? 'remove' : 'stale';
}

/** A DeployInstance `job` field, or why it is not usable. */
export function parseJobDocument(
  text: string,
): { ok: true; job: Record<string, unknown> } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: 'job is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: 'job must be a JSON object' };
  }
  return { ok: true, job: parsed as Record<string, unknown> };
}

/** Basic shape checks of a command's addressing fields. */
export function commandAddressError(command: {
  service_id: string;
  instance_number: number;
  generation: number;
}): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(command.service_id))
    return 'service_id is missing or malformed';
  if (!Number.isSafeInteger(command.instance_number) || command.instance_number < ALL_INSTANCES) {
    return 'instance_number must be an integer >= -1';
  }
  if (!Number.isSafeInteger(command.generation) || command.generation < 0) {
    return 'generation must be an integer >= 0';
  }
  return undefined;
}
