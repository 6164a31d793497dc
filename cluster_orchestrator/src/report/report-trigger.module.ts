import { Global, Module } from '@nestjs/common';
import { ReportTrigger } from './report-trigger';

/** Global: instance changes anywhere in the app may ask for an early report. */
@Global()
@Module({ providers: [ReportTrigger], exports: [ReportTrigger] })
export class ReportTriggerModule {}
