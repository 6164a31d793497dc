import { Module } from '@nestjs/common';
import { WorkerMessaging } from './worker-messaging.repository';

/** MQTT I/O with the workers (the shared client comes from the global MqttClientModule). */
@Module({ providers: [WorkerMessaging], exports: [WorkerMessaging] })
export class WorkerLinkModule {}
