import { REDACTED, redactUrlCredentials } from '../url/url-credentials';
import { isSecretName } from './secret-names';

/** One invalid environment variable. `value` is the raw text, or undefined when it was not set. */
export interface ConfigProblem {
  variable: string;
  message: string;
  value: string | undefined;
}

/**
 * Thrown by loadConfig. The message lists every invalid variable, one per line, so an operator
 * fixes them all in one go instead of one restart per typo. Secret values are never echoed.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatConfigProblem).join('\n'));
  }
}

export function formatConfigProblem(problem: ConfigProblem): string {
  return `${problem.variable}: ${problem.message} (${describeValue(problem.variable, problem.value)})`;
}

function describeValue(variable: string, value: string | undefined): string {
  if (value === undefined) return 'not set';
  if (isSecretName(variable)) return `got ${REDACTED}`;
  // URLs may carry credentials even when the variable name does not look secret (MONGO_URL).
  return `got ${JSON.stringify(redactUrlCredentials(value))}`;
}
