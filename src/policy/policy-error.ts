// Errors of the policy engine carry a stable code; callers switch on `code`, never on messages.
export type PolicyErrorCode =
  | 'ERR_POLICY_LOAD' // policies or schema do not parse, validate, or carry bad annotations
  | 'ERR_POLICY_EVAL' // the Cedar call itself failed: nothing can be decided (map to 503)
  | 'ERR_POLICY_DISPOSED'; // decide() on an engine that was disposed after a reload

export class PolicyError extends Error {
  readonly code: PolicyErrorCode;
  /** whether the same call could succeed later without a change of input */
  readonly retry: boolean;

  constructor(code: PolicyErrorCode, message: string, retry = false) {
    super(message);
    this.name = 'PolicyError';
    this.code = code;
    this.retry = retry;
  }
}

/** Every problem found while loading, each naming its file and, where known, its policy id. */
export class PolicyLoadError extends PolicyError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('ERR_POLICY_LOAD', `policy load failed:\n  ${problems.join('\n  ')}`);
    this.name = 'PolicyLoadError';
    this.problems = problems;
  }
}
