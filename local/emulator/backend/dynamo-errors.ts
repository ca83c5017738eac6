/** DynamoDB's error types, with the `__type` prefix each belongs to on the wire. */
export const DynamoErrorType = {
  validation: 'com.amazon.coral.validate#ValidationException',
  resourceNotFound: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
  conditionalCheckFailed: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
  transactionCanceled: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
  idempotentParameterMismatch: 'com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException',
  throughputExceeded: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  serialization: 'com.amazon.coral.service#SerializationException',
  internal: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
} as const;

/** One entry of a TransactionCanceledException's CancellationReasons, as DynamoDB writes it. */
export interface CancellationReason {
  readonly Code: string;
  readonly Message?: string;
  readonly Item?: Record<string, unknown>;
}

/** An error DynamoDB answers with: its wire type, message and HTTP status. */
export class DynamoServiceError extends Error {
  override readonly name: string = 'DynamoServiceError';

  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }

  /** The short name the SDK reports, e.g. "ConditionalCheckFailedException". */
  get code(): string {
    return this.type.slice(this.type.indexOf('#') + 1);
  }

  toBody(): Record<string, unknown> {
    return { __type: this.type, message: this.message };
  }
}

export class TransactionCanceledError extends DynamoServiceError {
  override readonly name = 'TransactionCanceledError';

  constructor(readonly reasons: readonly CancellationReason[]) {
    // AWS's message lists the codes in action order.
    super(
      DynamoErrorType.transactionCanceled,
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
    );
  }

  override toBody(): Record<string, unknown> {
    return { __type: this.type, Message: this.message, CancellationReasons: this.reasons };
  }
}

export const validationError = (message: string) =>
  new DynamoServiceError(DynamoErrorType.validation, message);
