import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { DEFAULT_PLAIN_JSON_LIMITS, inspectPlainJson, type PlainJsonLimits } from './plain-json';
import type { ValidationIssue, ValidationResult } from './validation-result';

export interface ValidateDtoOptions {
  /**
   * true: a property without a validation decorator is an error (the root's REST API, where a
   * typo in an SLA must not be silently ignored). false: such properties are stripped (protocol
   * messages, where a newer peer may send fields this version does not know).
   */
  forbidUnknown?: boolean;
  limits?: PlainJsonLimits;
}

/**
 * Turns untrusted plain data into a validated `Dto` instance: JSON-shape checks, then
 * class-transformer (applies defaults and nested types), then class-validator with whitelisting.
 * Never throws.
 */
export function validateDto<T extends object>(
  dto: ClassConstructor<T>,
  plain: unknown,
  options: ValidateDtoOptions = {},
): ValidationResult<T> {
  try {
    if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
      return fail('', `value must be a JSON object, got ${describe(plain)}`);
    }
    const shapeIssues = inspectPlainJson(plain, options.limits ?? DEFAULT_PLAIN_JSON_LIMITS);
    if (shapeIssues.length > 0) return { ok: false, errors: shapeIssues };

    // Defaults come from property initializers (class-transformer constructs the class first).
    // exposeDefaultValues stays off: it would bypass @Transform fallbacks on absent @Expose keys.
    const instance = plainToInstance(dto, plain);
    const errors = validateSync(instance, {
      whitelist: true,
      forbidNonWhitelisted: options.forbidUnknown ?? false,
      forbidUnknownValues: true,
      // value is kept: flattening needs it to tell array elements from object properties.
      validationError: { target: false, value: true },
    });
    if (errors.length > 0) return { ok: false, errors: flattenValidationErrors(errors) };
    return { ok: true, value: instance };
  } catch (err) {
    // Only reachable with non-JSON input (throwing getters, proxies); report, do not propagate.
    return fail(
      '',
      `value could not be validated: ${err instanceof Error ? err.message : 'unknown error'}`,
    );
  }
}

/**
 * Flattens class-validator's error tree into one issue per failed constraint, with paths like
 * `applications[0].microservices[1].memory`. Array elements are rendered as `[i]`; everything
 * else as `.name`.
 */
export function flattenValidationErrors(
  errors: readonly ValidationError[],
  parentPath = '',
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // Iterative: the tree is as deep as the input, which may be hostile.
  const stack: { error: ValidationError; parentPath: string; parentIsArray: boolean }[] = errors
    .map((error) => ({ error, parentPath, parentIsArray: false }))
    .reverse();
  while (stack.length > 0) {
    const frame = stack.pop();
    if (frame === undefined) break;
    const { error } = frame;
    const path = joinPath(frame.parentPath, error.property, frame.parentIsArray);
    for (const message of Object.values(error.constraints ?? {})) {
      issues.push({ path, message });
    }
    const children = error.children ?? [];
    const isArray = Array.isArray(error.value);
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i] as ValidationError;
      stack.push({ error: child, parentPath: path, parentIsArray: isArray });
    }
  }
  return issues;
}

function joinPath(parent: string, property: string, parentIsArray: boolean): string {
  if (parentIsArray && /^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent === '' ? property : `${parent}.${property}`;
}

function fail(path: string, message: string): ValidationResult<never> {
  return { ok: false, errors: [{ path, message }] };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
