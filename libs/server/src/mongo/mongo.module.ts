import { redactUrlCredentials } from '@canopy/common';
import { type BeforeApplicationShutdown, type DynamicModule, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { PinoLogger } from 'nestjs-pino';
import { detectMongoFlavour, maxPoolSizeFor } from './mongo-flavour';

export interface MongoModuleOptions {
  url: string;
  /** Overrides the database in the URL path (apps pass ServerConfig.mongoDatabase). */
  dbName: string;
}

/** Set when the app starts shutting down, so the connection's own close is not logged as a loss. */
class ShutdownFlag implements BeforeApplicationShutdown {
  closing = false;

  beforeApplicationShutdown(): void {
    this.closing = true;
  }
}

@Module({})
export class MongoModule {
  /**
   * The app's default mongoose connection (MongooseModule.forRootAsync) with Canopy's settings:
   * - FerretDB (the dev/test stand-in) speaks the wire protocol without transactions or change
   *   streams, so nothing here relies on them, and is given ONE connection (see mongo-flavour.ts:
   *   over several it loses concurrent updates);
   * - start-up retries are bounded (5 × 2 s, 5 s server selection), so a missing database fails
   *   the boot in well under a minute with a clear error instead of hanging;
   * - drops and recoveries of the established connection are logged.
   */
  static forRoot(options: MongoModuleOptions): DynamicModule {
    const shutdown = new ShutdownFlag();
    const url = redactUrlCredentials(options.url);
    return {
      module: MongoModule,
      imports: [
        MongooseModule.forRootAsync({
          inject: [PinoLogger],
          useFactory: async (logger: PinoLogger) => {
            logger.setContext('MongoDB');
            const flavour = await detectMongoFlavour(options.url);
            const maxPoolSize = maxPoolSizeFor(flavour);
            logger.info(
              {
                url,
                server: flavour.kind,
                version: flavour.version,
                maxPoolSize: maxPoolSize ?? 'driver default',
              },
              maxPoolSize === undefined
                ? 'mongodb server detected'
                : 'FerretDB or unidentified server: one connection, so single-document updates stay atomic',
            );
            return {
              uri: options.url,
              dbName: options.dbName,
              ...(maxPoolSize === undefined ? {} : { maxPoolSize }),
              serverSelectionTimeoutMS: 5_000,
              retryAttempts: 5,
              retryDelay: 2_000,
              onConnectionCreate: (connection: Connection) =>
                logConnectionEvents(connection, logger, { url, db: options.dbName }, shutdown),
            };
          },
        }),
      ],
      providers: [{ provide: ShutdownFlag, useValue: shutdown }],
    };
  }
}

function logConnectionEvents(
  connection: Connection,
  logger: PinoLogger,
  fields: { url: string; db: string },
  shutdown: ShutdownFlag,
): void {
  // Start-up failures are reported by MongooseModule's retry log (and then the boot fails);
  // these listeners report what happens to an established connection.
  let established = false;
  connection.on('connected', () => {
    established = true;
    logger.info(fields, 'mongodb connected');
  });
  connection.on('disconnected', () => {
    if (!established) return;
    if (shutdown.closing) logger.info(fields, 'mongodb connection closed');
    else logger.warn(fields, 'mongodb disconnected');
  });
  connection.on('reconnected', () => logger.info(fields, 'mongodb reconnected'));
  // The message is enough: driver errors carry the whole topology description.
  connection.on('error', (err: Error) => {
    if (established) logger.warn({ ...fields, error: err.message }, 'mongodb connection error');
  });
}

/** Shorthand for MongoModule.forRoot(options). */
export function mongoModule(options: MongoModuleOptions): DynamicModule {
  return MongoModule.forRoot(options);
}
