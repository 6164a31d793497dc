import { randomBytes } from 'node:crypto';
import { stripUrlCredentials } from '@canopy/common';
import { connect, type MqttClient } from 'mqtt';
import type { EventLogger } from '../logging/event-logger';
import type { MqttModuleOptions } from './mqtt.tokens';

export function mqttClientId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * One mqtt.js client per app. It connects in the background and reconnects forever, so the app
 * starts while the broker is down and /health reports it. Losing the connection is logged once
 * per outage, not once per reconnect attempt.
 */
export function createMqttClient(options: MqttModuleOptions, logger: EventLogger): MqttClient {
  const broker = stripUrlCredentials(options.url);
  const clientId = mqttClientId(options.clientIdPrefix);
  const client = connect(options.url, {
    clientId,
    username: options.username,
    password: options.password,
    reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    clean: true,
  });
  let outage = false;
  const down = (msg: string, err?: Error) => {
    const fields = { broker, clientId, error: err?.message };
    if (outage) {
      logger.debug(fields, msg);
      return;
    }
    outage = true;
    logger.warn(fields, msg);
  };
  client.on('connect', () => {
    outage = false;
    logger.info({ broker, clientId }, 'mqtt connected');
  });
  client.on('offline', () => down('mqtt offline, reconnecting in the background'));
  client.on('error', (err) => down('mqtt connection error', err));
  client.on('end', () => logger.info({ broker, clientId }, 'mqtt client closed'));
  return client;
}
