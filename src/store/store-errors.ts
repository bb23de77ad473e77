/**
 * A grant the store would not create, because between the caller's checks and the insert its
 * agent or principal was blocked, or its task was closed. Checked inside the insert's own atomic
 * operation, so an exchange racing a revocation cannot slip a grant past it.
 */
export class GrantRefused extends Error {
  override name = 'GrantRefused';
  readonly reason: 'blocked' | 'task_closed';
  constructor(reason: 'blocked' | 'task_closed') {
    super(reason === 'blocked' ? 'agent or principal is blocked' : 'the task is closed');
    this.reason = reason;
  }
}
