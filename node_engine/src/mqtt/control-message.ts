import {
  ControlDeleteDto,
  ControlDeployDto,
  ControlErrorDto,
  NodeTopic,
  parsePayload,
  parseTopic,
  summarizeIssues,
} from '@canopy/contracts';
import { toInstanceSpec, type InstanceSpec } from '../desired/instance-spec';

export type ControlMessage =
  | { kind: 'deploy'; spec: InstanceSpec }
  | { kind: 'delete'; message: ControlDeleteDto }
  | { kind: 'error'; message: string };

export type ParsedControl = { ok: true; control: ControlMessage } | { ok: false; reason: string };

/**
 * Validates one incoming message on a control topic of worker `nodeId` with the contracts DTOs.
 * Never throws: anything unexpected (another node's topic, unknown kind, invalid JSON, invalid
 * fields) comes back as `{ ok: false, reason }` for the caller to log and drop.
 */
export function parseControlMessage(
  nodeId: string,
  topic: string,
  payload: Uint8Array | string,
): ParsedControl {
  const parsed = parseTopic(topic);
  if (parsed === null || parsed.scope !== 'node' || parsed.nodeId !== nodeId) {
    return { ok: false, reason: `unexpected topic ${JSON.stringify(topic.slice(0, 200))}` };
  }
  switch (parsed.kind) {
    case NodeTopic.CONTROL_DEPLOY: {
      const result = parsePayload(ControlDeployDto, payload);
      return result.ok
        ? { ok: true, control: { kind: 'deploy', spec: toInstanceSpec(result.value) } }
        : { ok: false, reason: summarizeIssues(result.errors) };
    }
    case NodeTopic.CONTROL_DELETE: {
      const result = parsePayload(ControlDeleteDto, payload);
      return result.ok
        ? { ok: true, control: { kind: 'delete', message: result.value } }
        : { ok: false, reason: summarizeIssues(result.errors) };
    }
    case NodeTopic.CONTROL_ERROR: {
      const result = parsePayload(ControlErrorDto, payload);
      return result.ok
        ? { ok: true, control: { kind: 'error', message: result.value.message } }
        : { ok: false, reason: summarizeIssues(result.errors) };
    }
    default:
      return { ok: false, reason: `topic kind ${parsed.kind} is not a control topic` };
  }
}
