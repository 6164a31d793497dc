import { type DynsecAclType, type DynsecCommandName, isDynsecAclType } from './dynsec.constants';

/** One command of a batch; the remaining fields depend on the command. */
export interface DynsecCommandRequest {
  command: DynsecCommandName;
  [field: string]: unknown;
}

export interface DynsecAcl {
  acltype: DynsecAclType;
  topic: string;
  allow: boolean;
  /** Higher first; the broker stores 0 when it is omitted. */
  priority?: number;
}

export interface DynsecRole {
  rolename: string;
  acls: DynsecAcl[];
  textname?: string;
}

/** One answer of a batch: `error` is set on failure, `data` only by get/list commands. */
export interface DynsecResponse {
  command: string;
  correlationData?: string;
  error?: string;
  data?: unknown;
}

export function encodeCommandBatch(
  commands: readonly (DynsecCommandRequest & { correlationData: string })[],
): string {
  return JSON.stringify({ commands });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

function parseResponse(value: unknown): DynsecResponse | null {
  if (!isRecord(value) || typeof value['command'] !== 'string') return null;
  const { command, correlationData, error, data } = value;
  if (!optionalString(correlationData) || !optionalString(error)) return null;
  const response: DynsecResponse = { command };
  if (correlationData !== undefined) response.correlationData = correlationData;
  if (error !== undefined) response.error = error;
  if (data !== undefined) response.data = data;
  return response;
}

/**
 * Reads a payload of the response topic. Null when it is not a `{"responses":[...]}` envelope;
 * entries without a string `command` (or with non-string `error`/`correlationData`) are dropped,
 * so one bad entry cannot settle a waiting command with garbage. Never throws.
 */
export function parseDynsecResponses(payload: Uint8Array | string): DynsecResponse[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString());
  } catch {
    return null;
  }
  if (!isRecord(parsed) || !Array.isArray(parsed['responses'])) return null;
  return parsed['responses'].flatMap((entry: unknown) => {
    const response = parseResponse(entry);
    return response ? [response] : [];
  });
}

function parseAcl(value: unknown): DynsecAcl | null {
  if (!isRecord(value)) return null;
  const { acltype, topic, allow, priority } = value;
  if (!isDynsecAclType(acltype) || typeof topic !== 'string' || typeof allow !== 'boolean') {
    return null;
  }
  if (priority !== undefined && typeof priority !== 'number') return null;
  return priority === undefined ? { acltype, topic, allow } : { acltype, topic, allow, priority };
}

/**
 * Reads the `data` of a getRole answer (`{"role":{"rolename":..,"acls":[..]}}`); null when the
 * shape is not that. An ACL of an unknown type makes the whole role unreadable rather than
 * silently dropped: the caller compares ACL sets and must not miss one.
 */
export function parseRoleData(data: unknown): DynsecRole | null {
  if (!isRecord(data) || !isRecord(data['role'])) return null;
  const { rolename, acls, textname } = data['role'];
  if (typeof rolename !== 'string') return null;
  const named = typeof textname === 'string' ? { textname } : {};
  if (acls === undefined) return { rolename, acls: [], ...named };
  if (!Array.isArray(acls)) return null;
  const parsed = acls.map(parseAcl);
  if (parsed.some((acl) => acl === null)) return null;
  return { rolename, acls: parsed.filter((acl): acl is DynsecAcl => acl !== null), ...named };
}
