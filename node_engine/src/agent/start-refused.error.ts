/**
 * The agent will not start for a reason the operator must fix (another agent owns the state dir
 * or the data plane): the CLI prints the message alone, without a stack trace.
 */
export class StartRefusedError extends Error {}
