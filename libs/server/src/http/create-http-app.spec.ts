import { Body, Controller, Module, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IsString } from 'class-validator';
import request from 'supertest';
import { CanopyLoggerModule } from '../logging/canopy-logger.module';
import { MetricsModule } from '../metrics/metrics.module';
import { bootstrapHttpApp, createHttpApp } from './create-http-app';

// A stand-in for a real feature route: the helpers are what is under test here.
class EchoDto {
  @IsString()
  name!: string;
}

@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() dto: EchoDto): { name: string; isDto: boolean } {
    return { name: dto.name, isDto: dto instanceof EchoDto };
  }
}

@Module({
  imports: [
    CanopyLoggerModule.forRoot('test', 'silent'),
    MetricsModule.forRoot({ prefix: 'canopy_test' }),
  ],
  controllers: [EchoController],
})
class TestAppModule {}

describe(createHttpApp.name, () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createHttpApp(TestAppModule, { bodyLimit: '1kb' });
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it('validates and transforms bodies into DTO instances', async () => {
    const res = await request(app.getHttpServer()).post('/echo').send({ name: 'ann' }).expect(201);
    expect(res.body).toEqual({ name: 'ann', isDto: true });
  });

  it('rejects unknown fields (forbidNonWhitelisted) and invalid ones with 400', async () => {
    const unknown = await request(app.getHttpServer())
      .post('/echo')
      .send({ name: 'ann', admin: true })
      .expect(400);
    expect(unknown.body.message).toEqual(['property admin should not exist']);
    await request(app.getHttpServer()).post('/echo').send({ name: 7 }).expect(400);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send('{"name": "ann",')
      .expect(400);
    expect(res.body.statusCode).toBe(400);
  });

  it('answers bodies over the limit with 413', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .send({ name: 'x'.repeat(2048) })
      .expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, message: 'Request body is too large' });
  });

  it('answers unknown routes with 404', async () => {
    await request(app.getHttpServer()).get('/nope').expect(404);
  });

  it('serves prometheus text on /metrics, with request durations by route pattern', async () => {
    const res = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toContain(
      'canopy_test_http_request_duration_seconds_count{app="canopy_test",method="POST",route="/echo",status_code="201"} 1',
    );
    expect(res.text).toContain('route="<unmatched>",status_code="404"');
    // Rejected by the body parser, before any route matched: still counted.
    expect(res.text).toContain('route="<unmatched>",status_code="413"');
  });
});

describe(bootstrapHttpApp.name, () => {
  it('listens on the given host and port and returns the URL', async () => {
    const app = await createHttpApp(TestAppModule, { bodyLimit: '1kb' });
    try {
      const url = await bootstrapHttpApp(app, { host: '127.0.0.1', port: 0 });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await request(url).get('/metrics').expect(200);
    } finally {
      await app.close();
    }
  });
});

describe('createHttpApp with a validationExceptionFactory', () => {
  it('throws what the factory builds when a DTO is invalid', async () => {
    const { BadRequestException } = await import('@nestjs/common');
    const app = await createHttpApp(TestAppModule, {
      bodyLimit: '1kb',
      validationExceptionFactory: (errors) =>
        new BadRequestException({ custom: errors.map((e) => e.property) }),
    });
    try {
      await app.init();
      const res = await request(app.getHttpServer()).post('/echo').send({ name: 7 }).expect(400);
      expect(res.body).toEqual({ custom: ['name'] });
    } finally {
      await app.close();
    }
  });
});
