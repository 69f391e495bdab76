/**
 * The exit code of a process that refuses its configuration (sysexits' EX_CONFIG). A supervisor
 * does not restart such a process: it would fail the same way again.
 */
export const EXIT_CONFIG = 78;

/** One variable that is missing or invalid. */
export interface ConfigIssue {
  /** The environment variable's name. */
  readonly variable: string;
  /** What is wrong with it, never its value. */
  readonly message: string;
}

/** Every missing or invalid variable of one process, reported at once. */
export class ConfigError extends Error {
  /** Every problem found, in the schema's order. */
  readonly issues: readonly ConfigIssue[];

  constructor(subject: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.variable}: ${issue.message}`);
    super(
      `Invalid configuration for ${subject} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
