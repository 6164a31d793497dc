import { withTimeout } from '@canopy/common';
import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { MqttClient } from 'mqtt';
import { PinoLogger } from 'nestjs-pino';
import { createMqttClient } from './create-mqtt-client';
import { MQTT_CLIENT, MQTT_OPTIONS, type MqttModuleOptions } from './mqtt.tokens';

const STARTUP_WAIT_MS = 3_000;

@Injectable()
export class MqttClientLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(MQTT_CLIENT) private readonly client: MqttClient) {}

  /**
   * Waits for the first connection attempt to finish, at most STARTUP_WAIT_MS, so a healthy app
   * is healthy from its first request; never fails: the app starts while the broker is away and
   * the client keeps reconnecting in the background.
   */
  async onModuleInit(): Promise<void> {
    // Already connected, or the first attempt already failed and a retry is scheduled.
    if (this.client.connected || this.client.reconnecting) return;
    const settled = new Promise<void>((resolve) => {
      for (const event of ['connect', 'error', 'close'] as const)
        this.client.once(event, () => resolve());
    });
    await withTimeout(settled, STARTUP_WAIT_MS, 'mqtt connect').catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    // force=true: do not wait for in-flight acks from a broker that may be gone.
    await this.client.endAsync(true);
  }
}

/** One shared mqtt.js client per app (inject with @InjectMqttClient()). Global. */
@Module({})
export class MqttClientModule {
  static forRoot(options: MqttModuleOptions): DynamicModule {
    return {
      module: MqttClientModule,
      global: true,
      providers: [
        { provide: MQTT_OPTIONS, useValue: options },
        {
          provide: MQTT_CLIENT,
          inject: [MQTT_OPTIONS, PinoLogger],
          useFactory: (opts: MqttModuleOptions, logger: PinoLogger) => {
            logger.setContext('Mqtt');
            return createMqttClient(opts, logger);
          },
        },
        MqttClientLifecycle,
      ],
      exports: [MQTT_CLIENT, MQTT_OPTIONS],
    };
  }
}
