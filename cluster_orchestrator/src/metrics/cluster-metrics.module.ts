import { Module } from '@nestjs/common';
import { ClusterInfoMetric } from './cluster-info.metric';

/** The cluster's own metrics, registered in the app registry that MetricsModule serves. */
@Module({ providers: [ClusterInfoMetric] })
export class ClusterMetricsModule {}
