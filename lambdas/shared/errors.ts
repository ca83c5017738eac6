/**
 * Errors are types, not strings to match. A PermanentError is recorded on the image's record and
 * acknowledged (retrying cannot help); everything else is retried through batchItemFailures.
 */
export const rejectionCodes = {
  notAnImage: 'not-an-image',
  unsupportedFormat: 'unsupported-format',
  corrupt: 'corrupt-image',
  tooManyBytes: 'too-many-bytes',
  tooManyPixels: 'too-many-pixels',
  /** Decodable, but its shape is beyond what an encoder can write (WebP stops at 16,383 px). */
  unsupportedDimensions: 'unsupported-dimensions',
  /** The result would not fit one DynamoDB item (400 KB). */
  recordTooLarge: 'record-too-large',
  emptyObject: 'empty-object',
  objectGone: 'object-gone',
  malformedMessage: 'malformed-message',
} as const;
export type RejectionCode = (typeof rejectionCodes)[keyof typeof rejectionCodes];

export class ImageFanoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ImageFanoutError';
  }
}

/** The input itself is wrong: record the reason, acknowledge the message, never retry. */
export class PermanentError extends ImageFanoutError {
  readonly code: RejectionCode;
  constructor(code: RejectionCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentError';
    this.code = code;
  }
}

/** Worth retrying (throttling, timeouts, 5xx): the record is reported in batchItemFailures. */
export class TransientError extends ImageFanoutError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** The message cannot be read as an S3 event; there is no image to record it on. */
export class MalformedMessageError extends PermanentError {
  constructor(message: string, options?: ErrorOptions) {
    super(rejectionCodes.malformedMessage, message, options);
    this.name = 'MalformedMessageError';
  }
}

/** Unknown errors count as transient: better a retry and a DLQ than a silently lost image. */
export const isPermanent = (error: unknown): error is PermanentError => error instanceof PermanentError;

export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
