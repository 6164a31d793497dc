import { IsBindHost, IsListenPort } from '@canopy/common';
import { ServerConfig } from '@canopy/server';

/**
 * The root orchestrator's settings, from environment variables (see README.md for the table).
 * Shared server variables (MONGO_URL, REDIS_URL, LOG_LEVEL, HTTP_BODY_LIMIT) come from ServerConfig.
 */
export class RootConfig extends ServerConfig {
  @IsBindHost()
  ROOT_HTTP_HOST: string = '0.0.0.0';

  /** Oakestra's system manager port: users, CLIs and dashboards talk REST here. */
  @IsListenPort()
  ROOT_HTTP_PORT: number = 10000;

  /** Clusters dial this gRPC port (registration and session stream; served from the next issue). */
  @IsListenPort()
  ROOT_GRPC_PORT: number = 50052;

  protected get defaultMongoDatabase(): string {
    return 'canopy_root';
  }
}
