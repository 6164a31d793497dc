import type { ClassConstructor } from 'class-transformer';
import { validateDto } from '../validation/validate-dto';
import type { ValidationResult } from '../validation/validation-result';

/** Default bound on one MQTT payload; `jobs/resources` of a full worker stays far below it. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

export interface ParsePayloadOptions {
  /** Larger payloads are rejected before decoding. */
  maxBytes?: number;
  /**
   * Default false: unknown properties are stripped, so peers can add fields (Oakestra's
   * control/deploy carries the whole job document).
   */
  forbidUnknown?: boolean;
}

/**
 * Decodes (UTF-8), parses (JSON) and validates one message payload into `dto`. Never throws:
 * oversized, non-UTF-8, non-JSON and invalid payloads all come back as `{ ok: false, errors }`
 * with path '' for whole-payload problems.
 */
export function parsePayload<T extends object>(
  dto: ClassConstructor<T>,
  payload: Uint8Array | string,
  options: ParsePayloadOptions = {},
): ValidationResult<T> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  let text: string;
  try {
    if (typeof payload === 'string') {
      // UTF-8 needs 1-3 bytes per UTF-16 unit: decide without encoding when possible.
      if (
        payload.length > maxBytes ||
        (payload.length * 3 > maxBytes && new TextEncoder().encode(payload).byteLength > maxBytes)
      ) {
        return tooLarge(maxBytes);
      }
      text = payload;
    } else {
      if (payload.byteLength > maxBytes) return tooLarge(maxBytes);
      text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    }
  } catch {
    return { ok: false, errors: [{ path: '', message: 'payload is not valid UTF-8' }] };
  }

  let plain: unknown;
  try {
    plain = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'parse error';
    return { ok: false, errors: [{ path: '', message: `payload is not valid JSON: ${reason}` }] };
  }
  return validateDto(dto, plain, { forbidUnknown: options.forbidUnknown ?? false });
}

function tooLarge(maxBytes: number): ValidationResult<never> {
  return { ok: false, errors: [{ path: '', message: `payload exceeds ${maxBytes} bytes` }] };
}
