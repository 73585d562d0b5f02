/**
 * One error class per failure a user can act on. Each carries a stable `code`, the CLI exit
 * code from the design, and a message that says what to do. No error ever carries the
 * token: errors that come from the network are built from sanitized facts (status, a
 * server message, an error code), never from the HTTP library's error object.
 */

/** Exit codes of the `jfrog-usage` CLI and the apply-time handler. */
export const ExitCode = {
  Ok: 0,
  BudgetExceeded: 1,
  InvalidInput: 2,
  Auth: 3,
  RateLimited: 4,
  Unavailable: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface UsageErrorOptions {
  /** Extra lines printed after the first sentence. */
  readonly details?: readonly string[];
  /** A sanitized cause (never an HTTP library error). */
  readonly cause?: unknown;
}

export abstract class UsageError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCode;
  readonly details: readonly string[];

  constructor(message: string, options: UsageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? [];
  }
}

/** A query, a period, a flag or a spec that breaks a rule. Lists every problem at once. */
export class InvalidQueryError extends UsageError {
  readonly code = "INVALID_QUERY";
  readonly exitCode = ExitCode.InvalidInput;
  constructor(
    readonly problems: readonly string[],
    subject = "The usage query",
  ) {
    super(
      problems.length === 1
        ? `${subject} is invalid: ${problems[0]}`
        : `${subject} has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

/** Input that is not a query: a bad flag, a missing file, an unreadable spec. */
export class InvalidInputError extends UsageError {
  readonly code = "INVALID_INPUT";
  readonly exitCode = ExitCode.InvalidInput;
}

/** A CSV whose headers or values cannot be read as a usage export. */
export class MalformedCsvError extends UsageError {
  readonly code = "MALFORMED_CSV";
  readonly exitCode = ExitCode.InvalidInput;
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${message}`);
  }
}

/** No token configured. */
export class MissingTokenError extends UsageError {
  readonly code = "MISSING_TOKEN";
  readonly exitCode = ExitCode.Auth;
  constructor() {
    super(
      "No MyJFrog token: set MYJFROG_TOKEN, or MYJFROG_TOKEN_FILE to a file that holds it " +
        "(an access token of a user with the view_usage permission).",
    );
  }
}

/** 401: the token is missing, malformed, expired or revoked. */
export class AuthenticationError extends UsageError {
  readonly code = "UNAUTHORIZED";
  readonly exitCode = ExitCode.Auth;
  constructor(readonly status = 401) {
    super(
      "MyJFrog rejected the token (401 Unauthorized): it is missing, expired or revoked. " +
        "Create a new access token in MyJFrog and set MYJFROG_TOKEN.",
    );
  }
}

/** 403: the token is valid but may not read usage for this subscription. */
export class PermissionError extends UsageError {
  readonly code = "FORBIDDEN";
  readonly exitCode = ExitCode.Auth;
  constructor(serverMessage?: string) {
    super(
      "MyJFrog refused the request (403 Forbidden): the token's user needs the view_usage " +
        "permission on this subscription, and the token must belong to the subscription " +
        "behind MYJFROG_URL.",
      { details: serverMessage ? [`server said: ${serverMessage}`] : [] },
    );
  }
}

/** 400 from the server: the request broke a rule our validation did not know. */
export class BadRequestError extends UsageError {
  readonly code = "BAD_REQUEST";
  readonly exitCode = ExitCode.InvalidInput;
  constructor(readonly serverMessage: string | undefined) {
    super(
      `MyJFrog rejected the query (400 Bad Request)${serverMessage ? `: ${serverMessage}` : ""}. ` +
        "Check the dates, keys and limits of the query.",
    );
  }
}

/** 429 past the retry budget, or the client-side limiter would wait longer than allowed. */
export class RateLimitedError extends UsageError {
  readonly code = "RATE_LIMITED";
  readonly exitCode = ExitCode.RateLimited;
  constructor(
    readonly nextFreeAt: Date,
    reason: string,
  ) {
    super(
      `Rate limited by MyJFrog's usage export (${reason}); the next request may be sent at ` +
        `${nextFreeAt.toISOString()}. Try again then, or reuse a cached or pinned export.`,
    );
  }
}

/** 5xx after retries. */
export class ServerError extends UsageError {
  readonly code = "SERVER_ERROR";
  readonly exitCode = ExitCode.Unavailable;
  constructor(
    readonly status: number,
    attempts: number,
  ) {
    super(
      `MyJFrog's usage export failed with HTTP ${status} after ${attempts} attempt(s). ` +
        "It is a server-side problem: try again later.",
    );
  }
}

/** The connection failed, timed out or the body was cut short, after retries. */
export class NetworkError extends UsageError {
  readonly code: string;
  readonly exitCode = ExitCode.Unavailable;
  constructor(
    readonly reason: "timeout" | "truncated" | "connection",
    detail: string,
    attempts: number,
  ) {
    const what =
      reason === "timeout"
        ? "timed out"
        : reason === "truncated"
          ? "returned a body that was cut short"
          : "could not be reached";
    super(
      `MyJFrog's usage export ${what} after ${attempts} attempt(s) (${detail}). ` +
        "Check the network and MYJFROG_URL, then try again.",
    );
    this.code = reason === "timeout" ? "TIMEOUT" : reason === "truncated" ? "TRUNCATED" : "NETWORK";
  }
}

/** A `fail` limit was exceeded. */
export class BudgetExceededError extends UsageError {
  readonly code = "BUDGET_EXCEEDED";
  readonly exitCode = ExitCode.BudgetExceeded;
}

export const isUsageError = (e: unknown): e is UsageError => e instanceof UsageError;
export const isInvalidQueryError = (e: unknown): e is InvalidQueryError =>
  e instanceof InvalidQueryError;
export const isMalformedCsvError = (e: unknown): e is MalformedCsvError =>
  e instanceof MalformedCsvError;
export const isAuthError = (
  e: unknown,
): e is MissingTokenError | AuthenticationError | PermissionError =>
  e instanceof MissingTokenError ||
  e instanceof AuthenticationError ||
  e instanceof PermissionError;
export const isRateLimitedError = (e: unknown): e is RateLimitedError =>
  e instanceof RateLimitedError;
export const isServerError = (e: unknown): e is ServerError => e instanceof ServerError;
export const isNetworkError = (e: unknown): e is NetworkError => e instanceof NetworkError;
export const isBudgetExceededError = (e: unknown): e is BudgetExceededError =>
  e instanceof BudgetExceededError;
/** Failures of JFrog or the network (token, rate limit, server, connection): what `onApiError` governs. */
export const isApiError = (e: unknown): e is UsageError =>
  isAuthError(e) || isRateLimitedError(e) || isServerError(e) || isNetworkError(e);
