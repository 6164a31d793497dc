import { ConfigError } from './config-error';

export interface FailFastIo {
  writeError(text: string): void;
  exit(code: number): void;
}

const processIo: FailFastIo = {
  writeError: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

/**
 * Runs the start-up step `fn` of a main.ts; if it fails, prints why and exits with code 1.
 * A ConfigError is an operator mistake, not a bug: it is printed as a readable block without a
 * stack trace. Anything else is unexpected and printed with its stack.
 *
 * Works for synchronous steps (loading config before Nest starts) and asynchronous ones
 * (creating and listening the app).
 */
export function failFast<T>(app: string, fn: () => Promise<T>, io?: FailFastIo): Promise<T>;
export function failFast<T>(app: string, fn: () => T, io?: FailFastIo): T;
export function failFast<T>(
  app: string,
  fn: () => T | Promise<T>,
  io: FailFastIo = processIo,
): T | Promise<T> {
  const fail = (error: unknown): never => {
    io.writeError(describeStartupFailure(app, error));
    io.exit(1);
    // Only reached when io.exit is a test double: keep the failure visible to the caller.
    throw error;
  };
  try {
    const result = fn();
    return isPromiseLike(result) ? Promise.resolve(result).catch(fail) : result;
  } catch (error) {
    return fail(error);
  }
}

export function describeStartupFailure(app: string, error: unknown): string {
  if (error instanceof ConfigError) {
    const lines = error.message.split('\n').map((line) => `  ${line}`);
    return [`Canopy ${app} cannot start: invalid configuration`, ...lines, ''].join('\n');
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `Canopy ${app} failed to start: ${detail}\n`;
}

function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
