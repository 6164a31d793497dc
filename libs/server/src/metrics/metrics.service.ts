import { Inject, Injectable } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.tokens';

export interface MetricsSnapshot {
  contentType: string;
  text: string;
}

@Injectable()
export class MetricsService {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  async snapshot(): Promise<MetricsSnapshot> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
