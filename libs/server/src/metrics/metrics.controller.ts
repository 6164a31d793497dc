import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { MetricsService } from './metrics.service';

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /**
   * Prometheus text exposition format. Written with res.end() so the content type is exactly
   * prom-client's (`res.send` would rewrite its parameters).
   */
  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, text } = await this.metrics.snapshot();
    res.status(200).setHeader('Content-Type', contentType);
    res.end(text);
  }
}
