import { validateDto } from '../validation/validate-dto';
import type { ValidationIssue } from '../validation/validation-result';
import { SlaDto } from './sla.dto';

/**
 * Validates an untrusted SLA v2.0 descriptor. Unknown properties are errors (a typo must not be
 * silently ignored); defaults are applied to the returned value. Never throws.
 */
export function validateSla(
  plain: unknown,
): { ok: true; value: SlaDto } | { ok: false; errors: ValidationIssue[] } {
  return validateDto(SlaDto, plain, { forbidUnknown: true });
}
