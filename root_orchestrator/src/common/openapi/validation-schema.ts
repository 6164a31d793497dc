import type { SchemaObject } from './openapi-types';
import { getMetadataStorage, ValidationTypes } from 'class-validator';

/**
 * OpenAPI schemas derived from class-validator metadata, so the DTOs in @canopy/contracts (which
 * may not import @nestjs/swagger: the node engine uses them) document themselves and the docs
 * cannot drift from what the API validates. Covers the decorators the contracts use; an unknown
 * custom validator is named in the property's description.
 */

type Ctor = abstract new (...args: never[]) => object;

type ValidationMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

interface TypeMetadataStorage {
  findTypeMetadata(
    target: Ctor,
    propertyName: string,
  ): { typeFunction: () => Ctor | undefined } | undefined;
}

// class-transformer keeps @Type metadata in a module-level store it does not export from its
// index; the nested class of a NestedArray/NestedObject property is only known from there.
const typeStorage = (
  require('class-transformer/cjs/storage') as {
    defaultMetadataStorage: TypeMetadataStorage;
  }
).defaultMetadataStorage;

const cache = new Map<Ctor, SchemaObject>();

/** The JSON schema of a DTO class (cached; nested DTOs are inlined). */
export function schemaOf(cls: Ctor): SchemaObject {
  const cached = cache.get(cls);
  if (cached) return cached;
  const schema = buildSchema(cls, new Set());
  cache.set(cls, schema);
  return schema;
}

function buildSchema(cls: Ctor, visiting: Set<Ctor>): SchemaObject {
  if (visiting.has(cls)) return { type: 'object' };
  visiting.add(cls);
  const storage = getMetadataStorage();
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const meta of storage.getTargetValidationMetadatas(cls as never, '', true, false)) {
    const list = byProperty.get(meta.propertyName) ?? [];
    list.push(meta);
    byProperty.set(meta.propertyName, list);
  }
  const defaults = defaultsOf(cls);
  const properties: Record<string, SchemaObject> = {};
  const required: string[] = [];
  for (const [property, metas] of byProperty) {
    const schema = propertySchema(cls, property, metas, visiting);
    const fallback = defaults[property];
    if (fallback !== undefined) schema.default = fallback;
    properties[property] = schema;
    const conditional = metas.some((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION);
    // Without @IsDefined, a property with no default is still required in practice: its other
    // validators fail on undefined.
    if (!conditional && fallback === undefined) required.push(property);
  }
  visiting.delete(cls);
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

function defaultsOf(cls: Ctor): Record<string, unknown> {
  try {
    return { ...(new (cls as unknown as new () => object)() as Record<string, unknown>) };
  } catch {
    return {};
  }
}

function constraintName(meta: ValidationMetadata): string {
  if (meta.type !== ValidationTypes.CUSTOM_VALIDATION) return meta.type;
  const constraints = getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls);
  return constraints[0]?.name ?? 'custom';
}

function propertySchema(
  cls: Ctor,
  property: string,
  metas: ValidationMetadata[],
  visiting: Set<Ctor>,
): SchemaObject {
  const own: SchemaObject = {};
  const items: SchemaObject = {};
  const descriptions: string[] = [];
  let nested = false;
  for (const meta of metas) {
    const target = meta.each ? items : own;
    if (meta.each) own.type = 'array';
    const args = (meta.constraints ?? []) as unknown[];
    const name = constraintName(meta);
    switch (name) {
      case ValidationTypes.NESTED_VALIDATION:
        nested = true;
        break;
      case ValidationTypes.IS_DEFINED:
      case ValidationTypes.CONDITIONAL_VALIDATION:
      case ValidationTypes.WHITELIST:
        break;
      case 'isString':
        target.type = 'string';
        break;
      case 'isInt':
        target.type = 'integer';
        break;
      case 'isNumber':
        target.type = target.type === 'integer' ? 'integer' : 'number';
        break;
      case 'isBoolean':
        target.type = 'boolean';
        break;
      case 'isArray':
        own.type = 'array';
        break;
      case 'isObject':
        target.type = 'object';
        break;
      case 'isObjectArray':
        own.type = 'array';
        items.type = 'object';
        break;
      case 'isStringRecord':
        Object.assign(target, { type: 'object', additionalProperties: { type: 'string' } });
        break;
      case 'matches':
        target.type ??= 'string';
        if (args[0] instanceof RegExp) target.pattern = args[0].source;
        break;
      case 'isIn':
        if (Array.isArray(args[0])) target.enum = args[0];
        break;
      case 'equals':
        target.enum = [args[0]];
        break;
      case 'min':
        if (typeof args[0] === 'number') target.minimum = args[0];
        break;
      case 'max':
        // Number.MAX_SAFE_INTEGER caps are an implementation guard, not worth documenting.
        if (typeof args[0] === 'number' && args[0] < Number.MAX_SAFE_INTEGER) {
          target.maximum = args[0];
        }
        break;
      case 'minLength':
        if (typeof args[0] === 'number') target.minLength = args[0];
        break;
      case 'maxLength':
        if (typeof args[0] === 'number') target.maxLength = args[0];
        break;
      case 'isNotEmpty':
        if (target.type === 'string' || target.type === undefined) target.minLength ??= 1;
        break;
      case 'isIp':
        target.type = 'string';
        target.format = args[0] === 6 || args[0] === '6' ? 'ipv6' : 'ipv4';
        break;
      case 'isPortMappingList':
        target.type = 'string';
        descriptions.push('`host[:container][/tcp|/udp]` entries joined by `;`');
        break;
      case 'isEnvironmentList':
        own.type = 'array';
        Object.assign(items, { type: 'string', pattern: '^[^=]+=.*$' });
        descriptions.push('`VAR=value` entries');
        break;
      case 'isNewPassword':
        Object.assign(target, { type: 'string', minLength: 8, format: 'password' });
        descriptions.push('at least 8 characters and at most 72 bytes (bcrypt)');
        break;
      default:
        descriptions.push(`validated by ${name}`);
    }
  }
  if (nested) {
    const typeFn = typeStorage.findTypeMetadata(cls, property)?.typeFunction;
    const nestedCls = typeFn?.();
    if (nestedCls) {
      const nestedSchema = buildSchema(nestedCls, visiting);
      if (own.type === 'array') Object.assign(items, nestedSchema);
      else Object.assign(own, nestedSchema);
    }
  }
  if (own.type === 'array') own.items = Object.keys(items).length > 0 ? items : {};
  if (descriptions.length > 0) own.description = descriptions.join('; ');
  return own;
}
