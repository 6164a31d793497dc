import { randomUUID } from 'node:crypto';
import { InjectMqttClient } from '@canopy/server';
import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { MqttClient } from 'mqtt';
import { PinoLogger } from 'nestjs-pino';
import {
  DYNSEC_COMMAND_TOPIC,
  DYNSEC_DEFAULT_TIMEOUT_MS,
  DYNSEC_RESPONSE_TOPIC,
  DynsecCommand,
  type DynsecCommandName,
  DynsecErrorText,
} from './dynsec.constants';
import {
  type DynsecAcl,
  type DynsecCommandRequest,
  type DynsecRole,
  encodeCommandBatch,
  parseDynsecResponses,
  parseRoleData,
} from './dynsec.protocol';

export const DYNSEC_CLIENT_OPTIONS = Symbol('DYNSEC_CLIENT_OPTIONS');

export interface DynsecClientOptions {
  /** How long to wait for the broker's answer to one command; default 5000 ms. */
  timeoutMs?: number;
}

/** The broker answered a command with an error (the plugin's `error` text is in brokerError). */
export class BrokerAdminError extends Error {
  constructor(
    readonly command: string,
    readonly brokerError: string,
  ) {
    super(`the MQTT broker refused the dynamic-security command ${command}: ${brokerError}`);
    this.name = 'BrokerAdminError';
  }
}

/**
 * The admin API could not be used at all: no answer in time, the response topic refused, or the
 * command could not be sent. Retrying later may help; the broker's state is unknown (a command
 * that timed out may still be applied).
 */
export class BrokerAdminUnavailableError extends Error {
  constructor(
    readonly command: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BrokerAdminUnavailableError';
  }
}

interface Pending {
  command: string;
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export interface CreateClientRequest {
  username: string;
  password: string;
  rolenames: readonly string[];
  textname?: string;
}

export interface ModifyClientRequest {
  username: string;
  password: string;
  /** Replaces the client's roles (and its groups with none). */
  rolenames: readonly string[];
}

/**
 * The only code that talks to the broker's dynamic-security admin API, over the app's shared
 * mqtt.js client (connected as MQTT_USERNAME, which needs the plugin's `admin` role).
 *
 * Each command is its own batch with a random correlationData; the answer is matched by it
 * because every admin subscriber sees every answer. Commands never appear in logs: they carry
 * passwords.
 */
@Injectable()
export class DynsecClient implements OnModuleDestroy {
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;
  /** Set once the response subscription succeeded or is under way; reset when it fails. */
  private subscribed: Promise<void> | undefined;
  private listening = false;

  constructor(
    @InjectMqttClient() private readonly mqtt: MqttClient,
    private readonly logger: PinoLogger,
    @Optional() @Inject(DYNSEC_CLIENT_OPTIONS) options?: DynsecClientOptions,
  ) {
    logger.setContext('DynsecClient');
    this.timeoutMs = options?.timeoutMs ?? DYNSEC_DEFAULT_TIMEOUT_MS;
  }

  onModuleDestroy(): void {
    this.mqtt.removeListener('message', this.onMessage);
    this.listening = false;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(
        new BrokerAdminUnavailableError(
          pending.command,
          `the dynamic-security command ${pending.command} was abandoned: the app is shutting down`,
        ),
      );
    }
  }

  /** Creates the role; false when a role of that name exists already (left unchanged). */
  async createRole(
    rolename: string,
    acls: readonly DynsecAcl[],
    textname?: string,
  ): Promise<boolean> {
    return this.unlessError(DynsecErrorText.ROLE_EXISTS, {
      command: DynsecCommand.CREATE_ROLE,
      rolename,
      acls,
      ...(textname === undefined ? {} : { textname }),
    });
  }

  /** Null when there is no such role. */
  async getRole(rolename: string): Promise<DynsecRole | null> {
    let data: unknown;
    try {
      data = await this.execute({ command: DynsecCommand.GET_ROLE, rolename });
    } catch (error) {
      if (isBrokerError(error, DynsecErrorText.ROLE_NOT_FOUND)) return null;
      throw error;
    }
    const role = parseRoleData(data);
    if (!role) {
      throw new BrokerAdminError(DynsecCommand.GET_ROLE, 'the answer has no readable role');
    }
    return role;
  }

  /** Deletes the role (the broker disconnects clients that had it); false when there was none. */
  async deleteRole(rolename: string): Promise<boolean> {
    return this.unlessError(DynsecErrorText.ROLE_NOT_FOUND, {
      command: DynsecCommand.DELETE_ROLE,
      rolename,
    });
  }

  /** The broker disconnects the role's connected clients, so they come back under the new ACL. */
  async addRoleAcl(rolename: string, acl: DynsecAcl): Promise<void> {
    await this.execute({ command: DynsecCommand.ADD_ROLE_ACL, rolename, ...acl });
  }

  async removeRoleAcl(rolename: string, acl: Pick<DynsecAcl, 'acltype' | 'topic'>): Promise<void> {
    await this.execute({
      command: DynsecCommand.REMOVE_ROLE_ACL,
      rolename,
      acltype: acl.acltype,
      topic: acl.topic,
    });
  }

  /** Creates the client; false when a client of that name exists already (left unchanged). */
  async createClient(request: CreateClientRequest): Promise<boolean> {
    return this.unlessError(DynsecErrorText.CLIENT_EXISTS, {
      command: DynsecCommand.CREATE_CLIENT,
      username: request.username,
      password: request.password,
      roles: request.rolenames.map((rolename) => ({ rolename })),
      ...(request.textname === undefined ? {} : { textname: request.textname }),
    });
  }

  /**
   * Sets password, roles and groups in one command. The broker disconnects sessions of that
   * username, so nothing stays connected on the old password.
   */
  async modifyClient(request: ModifyClientRequest): Promise<void> {
    await this.execute({
      command: DynsecCommand.MODIFY_CLIENT,
      username: request.username,
      password: request.password,
      roles: request.rolenames.map((rolename) => ({ rolename })),
      groups: [],
    });
  }

  /** Deletes the client (the broker disconnects its sessions); false when there was none. */
  async deleteClient(username: string): Promise<boolean> {
    return this.unlessError(DynsecErrorText.CLIENT_NOT_FOUND, {
      command: DynsecCommand.DELETE_CLIENT,
      username,
    });
  }

  /**
   * Sends one command and resolves with the answer's `data` (undefined for commands without).
   * Rejects with BrokerAdminError when the broker answers with an error, and with
   * BrokerAdminUnavailableError when there is no answer within the timeout.
   */
  execute(request: DynsecCommandRequest): Promise<unknown> {
    const correlationData = randomUUID();
    const { command } = request;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationData);
        reject(new BrokerAdminUnavailableError(command, this.timeoutMessage(command)));
      }, this.timeoutMs);
      this.pending.set(correlationData, { command, resolve, reject, timer });
      this.send({ ...request, correlationData }).catch((error: unknown) =>
        this.settle(correlationData, (pending) =>
          pending.reject(
            error instanceof BrokerAdminUnavailableError
              ? error
              : new BrokerAdminUnavailableError(
                  command,
                  `could not send the dynamic-security command ${command}: ${errorText(error)}`,
                  { cause: error },
                ),
          ),
        ),
      );
    });
  }

  private async unlessError(expected: string, request: DynsecCommandRequest): Promise<boolean> {
    try {
      await this.execute(request);
      return true;
    } catch (error) {
      if (isBrokerError(error, expected)) return false;
      throw error;
    }
  }

  private async send(request: DynsecCommandRequest & { correlationData: string }): Promise<void> {
    await this.ensureSubscribed(request.command);
    // Timed out while subscribing: the caller has its answer, so do not change the broker now.
    if (!this.pending.has(request.correlationData)) return;
    this.logger.debug(
      { command: request.command, correlationData: request.correlationData },
      'dynsec command sent',
    );
    await this.mqtt.publishAsync(DYNSEC_COMMAND_TOPIC, encodeCommandBatch([request]), { qos: 1 });
  }

  /**
   * Subscribes once; mqtt.js re-subscribes by itself after reconnects. A refused subscription
   * (the user lacks the plugin's admin role) is reported, and retried by the next command.
   */
  private ensureSubscribed(command: DynsecCommandName): Promise<void> {
    if (!this.listening) {
      this.mqtt.on('message', this.onMessage);
      this.listening = true;
    }
    this.subscribed ??= this.mqtt.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 }).then(
      () => undefined,
      (error: unknown) => {
        this.subscribed = undefined;
        throw new BrokerAdminUnavailableError(
          command,
          `the MQTT broker refused the subscription to ${DYNSEC_RESPONSE_TOPIC} ` +
            `(${errorText(error)}); is MQTT_USERNAME allowed to use the dynamic-security plugin?`,
          { cause: error },
        );
      },
    );
    return this.subscribed;
  }

  /** Arrow property: the same function is added once and removed on shutdown. */
  private readonly onMessage = (topic: string, payload: Buffer): void => {
    if (topic !== DYNSEC_RESPONSE_TOPIC) return;
    const responses = parseDynsecResponses(payload);
    if (!responses) {
      // Payload not logged: only admins can publish here, but it is not ours to print.
      this.logger.warn({ bytes: payload.length }, 'ignoring a malformed dynamic-security response');
      return;
    }
    for (const response of responses) {
      const id = response.correlationData;
      if (id === undefined || !this.pending.has(id)) {
        // Another admin's command (or one of ours that already timed out).
        this.logger.debug({ command: response.command }, 'ignoring a dynsec response not ours');
        continue;
      }
      this.settle(id, (pending) =>
        response.error === undefined
          ? pending.resolve(response.data)
          : pending.reject(new BrokerAdminError(pending.command, response.error)),
      );
    }
  };

  private settle(correlationData: string, outcome: (pending: Pending) => void): void {
    const pending = this.pending.get(correlationData);
    if (!pending) return;
    this.pending.delete(correlationData);
    clearTimeout(pending.timer);
    outcome(pending);
  }

  private timeoutMessage(command: string): string {
    const within = `${this.timeoutMs / 1000}s`;
    if (!this.mqtt.connected) {
      return (
        `the MQTT broker did not answer the dynamic-security command ${command} within ${within}; ` +
        'the MQTT client is not connected to the broker'
      );
    }
    return (
      `the MQTT broker did not answer the dynamic-security command ${command} within ${within}; ` +
      'is the dynamic-security plugin loaded and is MQTT_USERNAME allowed to use it?'
    );
  }
}

export function isBrokerError(error: unknown, brokerError: string): error is BrokerAdminError {
  return error instanceof BrokerAdminError && error.brokerError === brokerError;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
