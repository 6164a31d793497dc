// Implicit type conversion reads the design:type metadata emitted for decorated properties.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { ConfigError, type ConfigProblem } from './config-error';

export type Env = Record<string, string | undefined>;

/**
 * Builds a config object from environment variables and validates it; the single place that
 * turns `process.env` into typed settings (nothing else in Canopy reads process.env).
 *
 * The class declares one property per variable, named exactly like the variable, each with at
 * least one class-validator decorator (use @IsOptional() for optional ones); property
 * initialisers are the defaults. Values are converted to the declared property type
 * (implicit conversion), so `PORT: number = 10000` accepts `PORT=10001`. Always write the type
 * annotation: `PORT = 10000` alone emits no usable type metadata and the value stays a string.
 *
 * Empty values count as unset: `MONGO_URL=` in a compose file means "not configured", and a
 * default should apply rather than an empty string.
 *
 * @throws ConfigError listing every invalid variable.
 */
export function loadConfig<T extends object>(cls: new () => T, env: Env = process.env): T {
  const plain: Record<string, string> = {};
  for (const variable of configVariables(cls)) {
    const value = env[variable];
    if (value !== undefined && value.trim() !== '') plain[variable] = value;
  }
  const config = plainToInstance(cls, plain, { enableImplicitConversion: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigError(errors.map((error) => toProblem(error, plain[error.property])));
  }
  return config;
}

/**
 * The variables a config class reads: its validated properties (own and inherited). Only these
 * are copied from the environment, so the config object never carries PATH, HOME and the like.
 */
export function configVariables(cls: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

function toProblem(error: ValidationError, value: string | undefined): ConfigProblem {
  const constraints = error.constraints ?? {};
  // A missing variable fails every other check too; "is required" is the only useful line then.
  const required = value === undefined ? constraints['isDefined'] : undefined;
  const messages = required !== undefined ? [required] : Object.values(constraints);
  return {
    variable: error.property,
    message: messages.map((m) => withoutPropertyName(m, error.property)).join('; '),
    value,
  };
}

// class-validator's built-in messages start with the property name ("PORT must be an integer
// number"); the variable is printed first already, so drop the repetition.
function withoutPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}
