import {
  IsByteSize,
  IsLogLevel,
  IsMongoUrl,
  IsRedisUrl,
  mongoDatabaseFromUrl,
  parseByteSize,
  type LogLevel,
} from '@canopy/common';
import { IsDefined } from 'class-validator';

/**
 * Variables every Canopy server (root and cluster) reads, with the same meaning in both.
 * App config classes extend this and add their own; loadConfig() reads inherited variables too.
 */
export abstract class ServerConfig {
  @IsDefined({ message: 'is required' })
  @IsMongoUrl()
  MONGO_URL!: string;

  @IsDefined({ message: 'is required' })
  @IsRedisUrl()
  REDIS_URL!: string;

  @IsLogLevel()
  LOG_LEVEL: LogLevel = 'info';

  @IsByteSize()
  HTTP_BODY_LIMIT: string = '1mb';

  /** Database used when MONGO_URL names none; apps choose it so tiers never share one. */
  protected abstract get defaultMongoDatabase(): string;

  get mongoDatabase(): string {
    return mongoDatabaseFromUrl(this.MONGO_URL) ?? this.defaultMongoDatabase;
  }

  get httpBodyLimitBytes(): number {
    // Validated by @IsByteSize, so the fallback never applies; it keeps the type a number.
    return parseByteSize(this.HTTP_BODY_LIMIT) ?? 1024 * 1024;
  }
}
