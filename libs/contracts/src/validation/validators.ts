// class-transformer's @Type reads design:type metadata at decoration time: every DTO module
// imports this file, so loading reflect-metadata here makes deep imports safe too.
import 'reflect-metadata';
import { Transform, Type, type ClassConstructor } from 'class-transformer';
import {
  IsInt,
  IsObject,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

/** Signature of class-validator's property decorators. */
export type PropertyDecoratorFn = (target: object, propertyName: string) => void;

/**
 * The property may be absent, but if present it is validated, and `null` is invalid.
 * (class-validator's `@IsOptional` also lets `null` through, which Oakestra's JSON schema does
 * not: a `"memory": null` would then reach the scheduler.)
 */
export function OptionalField(): PropertyDecoratorFn {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/** Integer in [0, Number.MAX_SAFE_INTEGER]: counts, sizes and capacities. */
export function IsNonNegativeInt(options?: ValidationOptions): PropertyDecoratorFn {
  return (target, propertyName) => {
    IsInt(options)(target, propertyName);
    Min(0, options)(target, propertyName);
    Max(Number.MAX_SAFE_INTEGER, options)(target, propertyName);
  };
}

/** A JSON object whose values are all strings (Oakestra's Go `map[string]string` fields). */
export function IsStringRecord(options?: ValidationOptions): PropertyDecoratorFn {
  return ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an object with string values`,
      },
    },
    options,
  );
}

/** An array whose elements are all JSON objects (not null, not arrays). */
export function IsObjectArray(options?: ValidationOptions): PropertyDecoratorFn {
  return ValidateBy(
    {
      name: 'isObjectArray',
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every(isJsonObject),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an array of objects`,
      },
    },
    options,
  );
}

/**
 * An array of `type` instances, each validated. Plain `@ValidateNested({ each: true })` alone
 * would also accept nested arrays (`[[{...}]]`) and validate their elements.
 */
export function NestedArray(type: () => ClassConstructor<object>): PropertyDecoratorFn {
  return (target, propertyName) => {
    IsObjectArray()(target, propertyName);
    ValidateNested({ each: true })(target, propertyName);
    Type(type)(target, propertyName);
  };
}

/** A single nested `type` instance, validated. */
export function NestedObject(type: () => ClassConstructor<object>): PropertyDecoratorFn {
  return (target, propertyName) => {
    IsObject()(target, propertyName);
    ValidateNested()(target, propertyName);
    Type(type)(target, propertyName);
  };
}

function isJsonObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads JSON `null` as an absent property. For fields filled by Go peers (Oakestra's node engine
 * and net manager), whose encoding/json writes nil slices and maps as `null`.
 */
export function NullAsAbsent(): PropertyDecoratorFn {
  return Transform(({ value }: { value: unknown }) => (value === null ? undefined : value));
}

/** Reads JSON `null` as `[]`, for required list fields filled by Go peers (see NullAsAbsent). */
export function NullAsEmptyArray(): PropertyDecoratorFn {
  return Transform(({ value }: { value: unknown }) => (value === null ? [] : value));
}
