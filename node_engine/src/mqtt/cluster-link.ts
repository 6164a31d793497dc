import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import {
  MQTT_QOS,
  MqttSubscriptions,
  MqttTopics,
  NodeStatusPayload,
  nodeEngineClientId,
} from '@canopy/contracts';
import { backoffDelay, type BackoffPolicy } from '../util/backoff';

export interface ClusterLinkOptions {
  /** `mqtt://<cluster_address>:<MQTT_BROKER_PORT>`. */
  url: string;
  nodeId: string;
  /** Per-worker credentials from the registration answer (absent for an Oakestra cluster). */
  username?: string;
  password?: string;
  logger: Logger;
  /** Every message on the subscribed control topics, unparsed. */
  onMessage(topic: string, payload: Buffer): void;
  /** After every (re)connection, once subscribed and `online` is published. */
  onConnected?(): void;
  /** The broker refused the credentials (CONNACK 4/5): they may have been rotated. */
  onAuthRejected?(): void;
  reconnect?: BackoffPolicy;
  keepaliveSeconds?: number;
  /** Topics subscribed besides the control topics (`nodes/<id>/net/peers` with networking). */
  extraSubscriptions?: string[];
}

/** Oakestra: reconnect after 1 s, backing off to 120 s. */
export const DEFAULT_RECONNECT: BackoffPolicy = { baseMs: 1_000, maxMs: 120_000 };

/**
 * The worker's MQTT session with its cluster's broker: Oakestra's client id `<id>-ne`, keepalive
 * 5 s, QoS 1, persistent session (clean: false, so control messages sent while the worker was
 * away are delivered on reconnect), and Canopy's presence topic: `nodes/<id>/status` is retained
 * `online` after every connect and retained `offline` as last will (crash, cable pulled) or on
 * orderly shutdown.
 *
 * Periodic reports are dropped while disconnected (stale by the time they could be sent); status
 * events are queued by mqtt.js and delivered on reconnect.
 */
export class ClusterLink {
  private client: MqttClient | undefined;
  private failures = 0;
  private connectedOnce = false;
  /** Subscriptions made at run time (per-job update topics), renewed on every connect. */
  private readonly dynamic = new Set<string>();

  constructor(private readonly options: ClusterLinkOptions) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  get statusTopic(): string {
    return MqttTopics.nodeStatus(this.options.nodeId);
  }

  /** Starts connecting in the background; never throws (errors are logged, reconnects follow). */
  start(): void {
    const { nodeId, logger } = this.options;
    const reconnect = this.options.reconnect ?? DEFAULT_RECONNECT;
    const clientOptions: IClientOptions = {
      clientId: nodeEngineClientId(nodeId),
      keepalive: this.options.keepaliveSeconds ?? 5,
      clean: false,
      reconnectPeriod: reconnect.baseMs,
      connectTimeout: 10_000,
      resubscribe: true,
      reconnectOnConnackError: true,
      will: {
        topic: this.statusTopic,
        payload: Buffer.from(NodeStatusPayload.OFFLINE),
        qos: MQTT_QOS,
        retain: true,
      },
    };
    if (this.options.username !== undefined) clientOptions.username = this.options.username;
    if (this.options.password !== undefined) clientOptions.password = this.options.password;
    const client = connect(this.options.url, clientOptions);
    this.client = client;

    client.on('connect', (connack) => {
      this.failures = 0;
      client.options.reconnectPeriod = reconnect.baseMs;
      logger.info(
        {
          url: this.options.url,
          clientId: clientOptions.clientId,
          sessionPresent: connack.sessionPresent,
        },
        this.connectedOnce ? 'MQTT reconnected' : 'MQTT connected',
      );
      this.connectedOnce = true;
      void this.afterConnect(client);
    });
    client.on('close', () => {
      // mqtt.js reads reconnectPeriod when it schedules the next attempt: grow it per failure.
      this.failures++;
      client.options.reconnectPeriod = backoffDelay(this.failures - 1, reconnect, Math.random());
    });
    client.on('offline', () =>
      logger.warn({ url: this.options.url }, 'MQTT connection lost; reconnecting'),
    );
    client.on('error', (error: Error & { code?: number }) => {
      const refused =
        error.code === 4 || error.code === 5 || error.code === 134 || error.code === 135;
      logger.error({ url: this.options.url, error: error.message, code: error.code }, 'MQTT error');
      if (refused) this.options.onAuthRejected?.();
    });
    client.on('message', (topic, payload) => {
      try {
        this.options.onMessage(topic, payload);
      } catch (error) {
        // A handler bug must not take the session down; the message is dropped.
        logger.error({ topic, error: (error as Error).message }, 'control message handler failed');
      }
    });
  }

  private async afterConnect(client: MqttClient): Promise<void> {
    try {
      await client.subscribeAsync(
        [
          ...MqttSubscriptions.nodeEngine(this.options.nodeId),
          ...(this.options.extraSubscriptions ?? []),
          ...this.dynamic,
        ],
        {
          qos: MQTT_QOS,
        },
      );
      await client.publishAsync(this.statusTopic, NodeStatusPayload.ONLINE, {
        qos: MQTT_QOS,
        retain: true,
      });
      this.options.onConnected?.();
    } catch (error) {
      this.options.logger.warn(
        { error: (error as Error).message },
        'MQTT subscribe/online failed; will retry on reconnect',
      );
    }
  }

  /** Subscribes `topic` now (if connected) and after every reconnect, until unsubscribe(). */
  subscribe(topic: string): void {
    this.dynamic.add(topic);
    const client = this.client;
    if (!client?.connected) return;
    client.subscribe(topic, { qos: MQTT_QOS }, (error) => {
      if (error) this.options.logger.warn({ topic, error: error.message }, 'subscribe failed');
    });
  }

  unsubscribe(topic: string): void {
    if (!this.dynamic.delete(topic)) return;
    const client = this.client;
    if (!client?.connected) return;
    client.unsubscribe(topic, (error) => {
      if (error) this.options.logger.warn({ topic, error: error.message }, 'unsubscribe failed');
    });
  }

  /** Periodic report: sent only while connected (QoS 1), dropped otherwise. */
  publishReport(topic: string, body: unknown): boolean {
    const client = this.client;
    if (!client?.connected) return false;
    client.publish(topic, JSON.stringify(body), { qos: MQTT_QOS }, (error) => {
      if (error) this.options.logger.debug({ topic, error: error.message }, 'report not delivered');
    });
    return true;
  }

  /** Event (status change): queued while disconnected and delivered on reconnect. */
  publishEvent(topic: string, body: unknown): void {
    this.client?.publish(topic, JSON.stringify(body), { qos: MQTT_QOS }, (error) => {
      if (error)
        this.options.logger.warn({ topic, error: error.message }, 'status event not delivered');
    });
  }

  /**
   * Orderly shutdown: publish retained `offline` (the broker does not send the will on a clean
   * DISCONNECT) when connected, then disconnect. Bounded by `timeoutMs`.
   */
  async stop(timeoutMs = 3_000): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    const work = (async () => {
      if (client.connected) {
        await client.publishAsync(this.statusTopic, NodeStatusPayload.OFFLINE, {
          qos: MQTT_QOS,
          retain: true,
        });
      }
      await client.endAsync();
    })();
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([work.catch(() => undefined), timer]);
    client.end(true);
  }
}
