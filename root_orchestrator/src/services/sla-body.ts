import { type SlaDto, validateSla } from '@canopy/contracts';
import { BadRequestError, UnprocessableError } from '../common/errors/domain-errors';

/**
 * An SLA request body, validated as a whole before anything is written: not a JSON object → 400;
 * any schema problem → 422 (Oakestra's status for SLA errors) listing every problem with its
 * path, e.g. `applications[0].microservices[0].memory`.
 */
export function parseSlaBody(body: unknown): SlaDto {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('Request body must be a JSON object (an SLA v2.0 descriptor)');
  }
  const result = validateSla(body);
  if (!result.ok) {
    const first = result.errors[0];
    throw new UnprocessableError(
      result.errors.length === 1 && first
        ? `The SLA is invalid: ${first.path === '' ? '' : `${first.path}: `}${first.message}`
        : `The SLA is invalid (${result.errors.length} problems)`,
      result.errors,
    );
  }
  return result.value;
}
