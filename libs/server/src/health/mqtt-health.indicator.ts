import { stripUrlCredentials } from '@canopy/common';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { MqttClient } from 'mqtt';
import { MQTT_CLIENT, MQTT_OPTIONS, type MqttModuleOptions } from '../mqtt/mqtt.tokens';
import type { DependencyHealthIndicator } from './health.tokens';

/**
 * The broker is up while the app's client holds a connection. mqtt.js notices a dead broker via
 * keepalive and reconnects by itself; a round-trip here would only duplicate that. The broker URL
 * (without credentials) is in the details, to tell which broker a cluster is using.
 */
@Injectable()
export class MqttHealthIndicator implements DependencyHealthIndicator {
  private readonly broker: string;

  constructor(
    @Inject(MQTT_CLIENT) private readonly client: MqttClient,
    @Inject(MQTT_OPTIONS) options: MqttModuleOptions,
    private readonly health: HealthIndicatorService,
  ) {
    this.broker = stripUrlCredentials(options.url);
  }

  async check(key: string, _timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    return this.client.connected
      ? indicator.up({ broker: this.broker })
      : indicator.down({ broker: this.broker, message: 'not connected' });
  }
}
