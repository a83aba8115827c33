/**
 * The service's error vocabulary, mirroring the platform's `common_lib.exceptions`
 * (DataValidationError, ModelError, ServiceUnavailableError, …). Throw these from any
 * layer; the global filter turns them into the one error envelope.
 */
export type ErrorDetails = Record<string, unknown> | unknown[] | null;

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    readonly errorCode: string,
    message: string,
    readonly details: ErrorDetails = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = errorType;
  }
}

/** 400: the request could not be read at all (malformed JSON, unreadable CSV). */
export class BadRequestError extends AppError {
  constructor(message: string, details: ErrorDetails = null, code = 'BAD_REQUEST') {
    super(400, 'BadRequestError', code, message, details);
  }
}

/** 401: missing or wrong API key. */
export class AuthenticationError extends AppError {
  constructor(message = 'A valid API key is required: send it as X-API-Key or Authorization: Bearer') {
    super(401, 'AuthenticationError', 'UNAUTHORIZED', message, null, { 'WWW-Authenticate': 'Bearer' });
  }
}

/** 404: the resource or route does not exist. */
export class NotFoundError extends AppError {
  constructor(message: string, details: ErrorDetails = null, code = 'NOT_FOUND') {
    super(404, 'NotFoundError', code, message, details);
  }
}

/** 409: the request conflicts with the current state (e.g. archiving a deployed model). */
export class ConflictError extends AppError {
  constructor(message: string, details: ErrorDetails = null, code = 'CONFLICT') {
    super(409, 'ConflictError', code, message, details);
  }
}

/** 413: the body is larger than this route accepts. */
export class PayloadTooLargeError extends AppError {
  constructor(message: string, details: ErrorDetails = null) {
    super(413, 'PayloadTooLargeError', 'PAYLOAD_TOO_LARGE', message, details);
  }
}

/** 422: the request was read but its content is invalid. */
export class DataValidationError extends AppError {
  constructor(message: string, details: ErrorDetails = null, code = 'VALIDATION_FAILED') {
    super(422, 'DataValidationError', code, message, details);
  }
}

/** 422 for model-related problems a caller can fix (wrong features, wrong window…). */
export class ModelError extends AppError {
  constructor(message: string, details: ErrorDetails = null, code = 'MODEL_ERROR', status = 422) {
    super(status, 'ModelError', code, message, details);
  }
}

/**
 * 429: too many requests. With `limit`, the message and details name the budget
 * (e.g. 6000 requests per 60 s) as well as when to retry; `Retry-After` is whole seconds.
 */
export class RateLimitError extends AppError {
  constructor(retryAfterSeconds: number, limit?: { max: number; windowSeconds: number }) {
    const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      429,
      'RateLimitError',
      'RATE_LIMITED',
      limit
        ? `Rate limit of ${limit.max} requests per ${limit.windowSeconds} s exceeded; retry after ${retryAfter} s`
        : `Too many requests; retry after ${retryAfter} s`,
      limit
        ? { limit: limit.max, window_seconds: limit.windowSeconds, retry_after_seconds: retryAfter }
        : { retry_after_seconds: retryAfter },
      { 'Retry-After': String(retryAfter) },
    );
  }
}

/** 502: a service we depend on answered with something unusable. */
export class UpstreamError extends AppError {
  constructor(message: string, details: ErrorDetails = null, code = 'BAD_GATEWAY') {
    super(502, 'UpstreamError', code, message, details);
  }
}

/**
 * 507: the database or a volume the service writes to is full (PostgreSQL 53100 disk_full,
 * ENOSPC, EDQUOT). Not the client's fault, but retrying only helps once space is freed.
 */
export class InsufficientStorageError extends AppError {
  constructor(message: string, details: ErrorDetails = null, code = 'INSUFFICIENT_STORAGE') {
    super(507, 'InsufficientStorageError', code, message, details);
  }
}

/** 503: a dependency (database, feature store, queue) is unavailable right now. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, details: ErrorDetails = null, code = 'SERVICE_UNAVAILABLE') {
    super(503, 'ServiceUnavailableError', code, message, details);
  }
}
