import type { ValidationIssue } from './validation-result';

/**
 * Keys that class-transformer silently drops (so whitelisting would never report them) or that
 * could reach a prototype if some later code merges the value into another object.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface PlainJsonLimits {
  /** Deepest allowed nesting of objects/arrays (the root is depth 0). */
  maxDepth: number;
  /** Most objects, arrays and scalars visited before giving up. */
  maxNodes: number;
}

export const DEFAULT_PLAIN_JSON_LIMITS: PlainJsonLimits = { maxDepth: 64, maxNodes: 100_000 };

/**
 * Checks that `value` is a finite tree of JSON data (no cycles, no functions, no forbidden keys)
 * within `limits`, before it reaches class-transformer and class-validator, which recurse and
 * would otherwise overflow the stack or silently drop `__proto__`.
 *
 * Iterative on purpose, so that hostile nesting cannot exhaust the call stack here either.
 */
export function inspectPlainJson(
  value: unknown,
  limits: PlainJsonLimits = DEFAULT_PLAIN_JSON_LIMITS,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const onPath = new WeakSet<object>();
  const stack: { value: unknown; path: string; depth: number; exit?: object }[] = [
    { value, path: '', depth: 0 },
  ];
  let visited = 0;

  while (stack.length > 0) {
    const frame = stack.pop();
    if (frame === undefined) break;
    if (frame.exit !== undefined) {
      onPath.delete(frame.exit);
      continue;
    }
    if (++visited > limits.maxNodes) {
      return [{ path: '', message: `value has more than ${limits.maxNodes} elements` }];
    }
    const current = frame.value;
    const kind = typeof current;
    // undefined is what JSON.stringify drops, i.e. an absent property.
    if (current === null || current === undefined || kind === 'string' || kind === 'boolean')
      continue;
    if (kind === 'number') {
      if (!Number.isFinite(current))
        issues.push({ path: frame.path, message: 'number must be finite' });
      continue;
    }
    if (kind !== 'object') {
      issues.push({ path: frame.path, message: `${kind} is not a JSON value` });
      continue;
    }
    const obj = current as object;
    if (frame.depth >= limits.maxDepth) {
      return [
        { path: frame.path, message: `value is nested deeper than ${limits.maxDepth} levels` },
      ];
    }
    if (onPath.has(obj)) {
      issues.push({ path: frame.path, message: 'value contains a cycle' });
      continue;
    }
    onPath.add(obj);
    stack.push({ value: undefined, path: frame.path, depth: frame.depth, exit: obj });

    if (Array.isArray(obj)) {
      for (let i = obj.length - 1; i >= 0; i--) {
        stack.push({ value: obj[i], path: `${frame.path}[${i}]`, depth: frame.depth + 1 });
      }
      continue;
    }
    // A plain object inherits directly from a root prototype. Comparing with Object.prototype
    // would reject objects from another realm (vm contexts, structuredClone under Jest).
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto !== null && Object.getPrototypeOf(proto) !== null) {
      issues.push({ path: frame.path, message: 'value must be a plain JSON object' });
      continue;
    }
    const keys = Object.keys(obj);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const path = frame.path === '' ? key : `${frame.path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) {
        issues.push({ path, message: `property ${key} is not allowed` });
        continue;
      }
      stack.push({ value: (obj as Record<string, unknown>)[key], path, depth: frame.depth + 1 });
    }
  }
  return issues;
}
