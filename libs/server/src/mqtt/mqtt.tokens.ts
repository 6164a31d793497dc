import { Inject } from '@nestjs/common';

export const MQTT_CLIENT = Symbol('MQTT_CLIENT');
export const MQTT_OPTIONS = Symbol('MQTT_OPTIONS');

/** Injects the app's shared mqtt.js client. */
export const InjectMqttClient = (): ParameterDecorator => Inject(MQTT_CLIENT);

export interface MqttModuleOptions {
  url: string;
  /** A random suffix is appended: brokers drop the older of two sessions with the same id. */
  clientIdPrefix: string;
  username?: string;
  password?: string;
  /** Delay between reconnect attempts; default 1000 ms. */
  reconnectPeriodMs?: number;
  /** Give up a connection attempt after this long; default 5000 ms. */
  connectTimeoutMs?: number;
}
