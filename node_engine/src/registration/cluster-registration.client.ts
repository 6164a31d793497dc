import type { Logger } from 'pino';
import {
  ClusterRoute,
  NodeRegistrationResponseDto,
  validateDto,
  type CanopyNodeRegistrationDto,
} from '@canopy/contracts';
import { backoffDelay, sleep, type BackoffPolicy } from '../util/backoff';

/** The cluster refused this worker (bad or missing join token): retrying cannot help. */
export class RegistrationRejectedError extends Error {
  override readonly name = 'RegistrationRejectedError';
}

export interface RegistrationClientOptions {
  clusterAddress: string;
  clusterPort: number;
  logger: Logger;
  /** Delay between attempts while the cluster is unreachable or failing. */
  retry?: BackoffPolicy;
  /** Per-request timeout. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RegistrationResult {
  id: string;
  mqttBrokerPort: number;
  subnetwork?: string;
  mqttUsername?: string;
  mqttPassword?: string;
}

export type RegistrationBody = Omit<CanopyNodeRegistrationDto, never>;

export const DEFAULT_REGISTRATION_RETRY: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };

/**
 * The worker's handshake: `POST http://<cluster_address>:<cluster_port>/api/node/register` with
 * the node facts (Oakestra §5.1 fields, plus Canopy's join token, labels and location) and, when
 * the worker has registered before, its id, so the cluster keeps its identity.
 *
 * Network errors, timeouts, 5xx, 408/429 and invalid answers are retried with capped exponential
 * backoff (each attempt logged). 401/403 mean the join token is wrong: RegistrationRejectedError.
 * Other 4xx mean the cluster refuses this body: RegistrationRejectedError with its message.
 */
export class ClusterRegistrationClient {
  constructor(private readonly options: RegistrationClientOptions) {}

  get url(): string {
    const host =
      this.options.clusterAddress.includes(':') && !this.options.clusterAddress.startsWith('[')
        ? `[${this.options.clusterAddress}]`
        : this.options.clusterAddress;
    return `http://${host}:${this.options.clusterPort}${ClusterRoute.NODE_REGISTER}`;
  }

  /** Registers, retrying until it succeeds, is rejected, or `signal` aborts (then throws). */
  async register(body: RegistrationBody, signal?: AbortSignal): Promise<RegistrationResult> {
    const retry = this.options.retry ?? DEFAULT_REGISTRATION_RETRY;
    const { logger } = this.options;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new Error('registration cancelled');
      const outcome = await this.attempt(body, signal);
      if (outcome.ok) {
        logger.info(
          {
            url: this.url,
            id: outcome.result.id,
            attempts: attempt + 1,
            reused: body.id === outcome.result.id,
          },
          'registered with the cluster',
        );
        return outcome.result;
      }
      if (outcome.fatal) throw new RegistrationRejectedError(outcome.reason);
      const delay = backoffDelay(attempt, retry, Math.random());
      logger.warn(
        { url: this.url, attempt: attempt + 1, retryInMs: delay, reason: outcome.reason },
        `cluster registration failed (${outcome.reason}); retrying in ${Math.round(delay / 100) / 10}s`,
      );
      await sleep(delay, signal);
    }
  }

  private async attempt(
    body: RegistrationBody,
    signal?: AbortSignal,
  ): Promise<
    { ok: true; result: RegistrationResult } | { ok: false; fatal: boolean; reason: string }
  > {
    const doFetch = this.options.fetch ?? fetch;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    let response: Response;
    try {
      response = await doFetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = timeout.aborted
        ? `no answer within ${this.options.timeoutMs ?? 10_000}ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
      return { ok: false, fatal: false, reason: `cluster unreachable: ${reason}` };
    }
    const text = await response.text().catch(() => '');
    if (response.status === 401 || response.status === 403) {
      return {
        ok: false,
        fatal: true,
        reason:
          `the cluster refused the join token (HTTP ${response.status}${detail(text)}); ` +
          'set the token the cluster operator issued: canopy-node config set join_token <token>',
      };
    }
    if (
      response.status >= 400 &&
      response.status < 500 &&
      response.status !== 408 &&
      response.status !== 429
    ) {
      return {
        ok: false,
        fatal: true,
        reason: `the cluster rejected the registration (HTTP ${response.status}${detail(text)})`,
      };
    }
    if (!response.ok) {
      return { ok: false, fatal: false, reason: `HTTP ${response.status}${detail(text)}` };
    }
    let plain: unknown;
    try {
      plain = JSON.parse(text);
    } catch {
      return {
        ok: false,
        fatal: false,
        reason: 'the cluster answered with something that is not JSON',
      };
    }
    const parsed = validateDto(NodeRegistrationResponseDto, plain);
    if (!parsed.ok) {
      const why = parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
      return { ok: false, fatal: false, reason: `invalid registration answer (${why})` };
    }
    const port = Number(parsed.value.MQTT_BROKER_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return {
        ok: false,
        fatal: false,
        reason: `invalid MQTT_BROKER_PORT ${JSON.stringify(parsed.value.MQTT_BROKER_PORT)}`,
      };
    }
    const result: RegistrationResult = { id: parsed.value.id, mqttBrokerPort: port };
    if (parsed.value.subnetwork !== undefined) result.subnetwork = parsed.value.subnetwork;
    if (parsed.value.mqtt_username !== undefined) result.mqttUsername = parsed.value.mqtt_username;
    if (parsed.value.mqtt_password !== undefined) result.mqttPassword = parsed.value.mqtt_password;
    return { ok: true, result };
  }
}

/** A short, single-line excerpt of an error body (never the request: it holds the token). */
function detail(text: string): string {
  if (!text) return '';
  let message = text;
  try {
    const json = JSON.parse(text) as { message?: unknown };
    if (typeof json.message === 'string') message = json.message;
    else if (Array.isArray(json.message)) message = json.message.join('; ');
  } catch {
    // plain text body
  }
  const line = message.replace(/\s+/g, ' ').trim().slice(0, 200);
  return line ? `: ${line}` : '';
}
