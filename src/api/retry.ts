/**
 * When to try again. Pure functions over time and randomness, injected by the client, so
 * tests decide both and never really wait.
 */

export interface RetryOptions {
  /** Attempts per export, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** First backoff after a 5xx or a network failure. @default 2000 ms */
  readonly baseDelayMs?: number;
  /** First backoff after a 429 that carries no Retry-After. @default 30000 ms */
  readonly rateLimitBaseDelayMs?: number;
  /** Longest single backoff. @default 300000 ms (one token window) */
  readonly maxDelayMs?: number;
  /**
   * Longest total time one export may spend waiting (backoffs and rate-limit waits together).
   * Past it the export fails at once, saying when the next slot is free. @default 360000 ms
   */
  readonly maxWaitMs?: number;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export const RETRY_DEFAULTS = {
  maxAttempts: 4,
  baseDelayMs: 2_000,
  rateLimitBaseDelayMs: 30_000,
  maxDelayMs: 300_000,
  maxWaitMs: 360_000,
} as const;

export type ResolvedRetry = Required<RetryOptions>;

export function resolveRetry(options: RetryOptions = {}): ResolvedRetry {
  return { ...RETRY_DEFAULTS, random: Math.random, ...options };
}

/**
 * Milliseconds to wait according to a `Retry-After` header: delta-seconds or an HTTP date.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Exponential backoff with "equal jitter": half fixed, half random; attempt counts from 1. */
export function backoffDelay(attempt: number, base: number, options: ResolvedRetry): number {
  const ceiling = Math.min(options.maxDelayMs, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2);
}

/** Which failures are worth another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
