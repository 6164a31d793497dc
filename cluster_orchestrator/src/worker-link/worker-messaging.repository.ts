import {
  type ControlDeleteDto,
  type ControlDeployDto,
  MQTT_QOS,
  type NetPeersDto,
  type NetServicesDto,
  type NetTableQueryResultDto,
  type JobUpdatesAvailableDto,
  MqttSubscriptions,
  MqttTopics,
} from '@canopy/contracts';
import { InjectMqttClient } from '@canopy/server';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { MqttClient } from 'mqtt';
import { PinoLogger } from 'nestjs-pino';

export type InboundHandler = (topic: string, payload: Buffer) => void;

/**
 * The only code that talks MQTT with the workers: subscribes to what they publish (mqtt.js
 * re-subscribes after every reconnect) and publishes control messages, QoS 1. Publishing never
 * blocks a caller: while the broker is away mqtt.js queues the message, and the scheduler's
 * reconciler re-sends anything a worker has not acknowledged by status.
 */
@Injectable()
export class WorkerMessaging implements OnApplicationBootstrap {
  private handler: InboundHandler | undefined;
  private readonly connectListeners: (() => void)[] = [];

  constructor(
    @InjectMqttClient() private readonly client: MqttClient,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('WorkerMessaging');
  }

  /** One handler (WorkerMessagesService); set before bootstrap ends. */
  onMessage(handler: InboundHandler): void {
    this.handler = handler;
  }

  /**
   * Called on every (re)connect to the broker: a broker that restarted without persistence lost
   * its retained messages, so level-triggered publishers publish their state again.
   */
  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
  }

  onApplicationBootstrap(): void {
    this.client.on('message', (topic, payload) => this.handler?.(topic, payload));
    // Subscribing again on every connect is idempotent, and covers a first connect that
    // happens after bootstrap (broker down at start) as well as sessions the broker dropped.
    this.client.on('connect', () => {
      this.subscribe();
      for (const listener of this.connectListeners) listener();
    });
    if (this.client.connected) this.subscribe();
  }

  private subscribe(): void {
    const topics = [
      ...MqttSubscriptions.CLUSTER_MANAGER,
      ...MqttSubscriptions.CLUSTER_SERVICE_REPORTS,
      ...MqttSubscriptions.CLUSTER_TABLE_QUERIES,
    ];
    this.client.subscribe(topics, { qos: MQTT_QOS }, (error) => {
      if (error) this.logger.error({ error: error.message }, 'subscribing to worker topics failed');
      else this.logger.info({ topics }, 'listening to workers');
    });
  }

  deploy(workerId: string, body: ControlDeployDto): void {
    this.publish(MqttTopics.nodeControlDeploy(workerId), body);
  }

  delete(workerId: string, body: ControlDeleteDto): void {
    this.publish(MqttTopics.nodeControlDelete(workerId), body);
  }

  error(workerId: string, message: string): void {
    this.publish(MqttTopics.nodeControlError(workerId), { message });
  }

  /**
   * The worker's tunnel peers (`nodes/<id>/net/peers`), RETAINED: a worker that subscribes later
   * (restart, reconnect) gets the latest list at once, without asking.
   */
  peers(workerId: string, body: NetPeersDto): void {
    this.publish(MqttTopics.netPeers(workerId), body, true);
  }

  /**
   * The cluster's service table (`nodes/<id>/net/services`), RETAINED like the peer list: a
   * worker that (re)subscribes gets the latest table at once.
   */
  services(workerId: string, body: NetServicesDto): void {
    this.publish(MqttTopics.netServices(workerId), body, true);
  }

  /** The answer to a worker's table query (`nodes/<id>/net/tablequery/result`). */
  tableQueryResult(workerId: string, body: NetTableQueryResultDto): void {
    this.publish(MqttTopics.netTableQueryResult(workerId), body);
  }

  /**
   * Oakestra's `jobs/<job>/updates_available`: the job's table changed, interested workers query
   * it again. Not retained: a worker subscribing later queries anyway.
   */
  jobUpdates(jobName: string, body: JobUpdatesAvailableDto): void {
    this.publish(MqttTopics.jobUpdatesAvailable(jobName), body);
  }

  private publish(topic: string, body: object, retain = false): void {
    this.client.publish(topic, JSON.stringify(body), { qos: MQTT_QOS, retain }, (error) => {
      if (error) this.logger.warn({ topic, error: error.message }, 'publish to worker failed');
    });
  }
}
