/**
 * Mosquitto dynamic-security plugin admin API (topic-based, JSON). Names are the plugin's own;
 * see https://mosquitto.org/documentation/dynamic-security/.
 */

/** Command batches `{"commands":[...]}` are published here (QoS 1). */
export const DYNSEC_COMMAND_TOPIC = '$CONTROL/dynamic-security/v1';

/**
 * Answers `{"responses":[...]}` arrive here. Every admin client subscribed to it receives every
 * answer (mosquitto_ctrl, other cluster processes), so answers are matched by correlationData.
 */
export const DYNSEC_RESPONSE_TOPIC = '$CONTROL/dynamic-security/v1/response';

export const DYNSEC_DEFAULT_TIMEOUT_MS = 5_000;

export const DynsecCommand = {
  CREATE_CLIENT: 'createClient',
  MODIFY_CLIENT: 'modifyClient',
  DELETE_CLIENT: 'deleteClient',
  CREATE_ROLE: 'createRole',
  GET_ROLE: 'getRole',
  DELETE_ROLE: 'deleteRole',
  ADD_ROLE_ACL: 'addRoleACL',
  REMOVE_ROLE_ACL: 'removeRoleACL',
} as const;
export type DynsecCommandName = (typeof DynsecCommand)[keyof typeof DynsecCommand];

export const DynsecAclType = {
  /** What the client may publish. */
  PUBLISH_CLIENT_SEND: 'publishClientSend',
  /** What the broker may deliver to the client (checked per message, after subscribe). */
  PUBLISH_CLIENT_RECEIVE: 'publishClientReceive',
  /** Which filters the client may subscribe to, wildcards matched as wildcards. */
  SUBSCRIBE_PATTERN: 'subscribePattern',
  SUBSCRIBE_LITERAL: 'subscribeLiteral',
  UNSUBSCRIBE_PATTERN: 'unsubscribePattern',
  UNSUBSCRIBE_LITERAL: 'unsubscribeLiteral',
} as const;
export type DynsecAclType = (typeof DynsecAclType)[keyof typeof DynsecAclType];

const ACL_TYPES: ReadonlySet<string> = new Set(Object.values(DynsecAclType));

export function isDynsecAclType(value: unknown): value is DynsecAclType {
  return typeof value === 'string' && ACL_TYPES.has(value);
}

/**
 * The broker's `error` texts that mean "already in the wanted state" (Mosquitto 2.0). Matching
 * on text is the only option: the plugin has no error codes.
 */
export const DynsecErrorText = {
  CLIENT_EXISTS: 'Client already exists',
  CLIENT_NOT_FOUND: 'Client not found',
  ROLE_EXISTS: 'Role already exists',
  ROLE_NOT_FOUND: 'Role not found',
} as const;
