import { ValidateBy, type ValidationOptions } from 'class-validator';
import type { PropertyDecoratorFn } from './validators';

/**
 * A usage metric as Oakestra's node engine sends it in `jobs/resources`: a decimal string
 * ("12.5"). A finite number is accepted too, so a worker that sends numbers is not rejected.
 */
export type MetricValue = string | number;

const DECIMAL = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

export function isMetricValue(value: unknown): value is MetricValue {
  if (typeof value === 'number') return Number.isFinite(value);
  return (
    typeof value === 'string' &&
    value.length <= 64 &&
    DECIMAL.test(value) &&
    Number.isFinite(Number(value))
  );
}

/** The metric as a number; 0 for anything that is not a valid metric. */
export function metricToNumber(value: unknown): number {
  return isMetricValue(value) ? Number(value) : 0;
}

export function IsMetricValue(options?: ValidationOptions): PropertyDecoratorFn {
  return ValidateBy(
    {
      name: 'isMetricValue',
      validator: {
        validate: (value: unknown) => isMetricValue(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be a number or a decimal string`,
      },
    },
    options,
  );
}
