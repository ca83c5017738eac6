/** Something the operator can fix (a name, a missing output, a message that is not there): no stack trace. */
export class OpsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OpsError';
  }
}

/** The command line itself is wrong: the usage is printed with the message. */
export class UsageError extends OpsError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
