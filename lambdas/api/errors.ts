/** What a caller did wrong, or why the API says no: each error is a type that knows its HTTP status. */
export class ApiError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
  }
}

/** A request the API cannot take as written; `field` names what to fix. */
export class BadRequestError extends ApiError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(400, `${field}: ${message}`);
    this.name = 'BadRequestError';
    this.field = field;
  }
}

/** No such image for this caller: someone else's image is not found either, never forbidden. */
export class NotFoundError extends ApiError {
  constructor(what: string) {
    super(404, `${what} not found`);
    this.name = 'NotFoundError';
  }
}

/** A token without an identity the API can use as an owner. */
export class UnauthorizedError extends ApiError {
  constructor(message: string) {
    super(401, message);
    this.name = 'UnauthorizedError';
  }
}

/** The consumers are behind: come back after `retryAfterSeconds`. */
export class BackPressureError extends ApiError {
  readonly retryAfterSeconds: number;
  readonly detail: Readonly<Record<string, unknown>>;
  constructor(retryAfterSeconds: number, detail: Readonly<Record<string, unknown>>) {
    super(429, `The pipeline is behind; retry after ${retryAfterSeconds} s`);
    this.name = 'BackPressureError';
    this.retryAfterSeconds = retryAfterSeconds;
    this.detail = detail;
  }
}
