import { ValidationOptions, registerDecorator } from 'class-validator';

const LABEL_KEY = /^[A-Za-z0-9._/-]{1,63}$/;

/** Labels feed the scheduler's label filter, so keys must be simple names and values strings. */
export function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStringMap',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value).every(([k, v]) => LABEL_KEY.test(k) && typeof v === 'string'),
      },
    });
}
