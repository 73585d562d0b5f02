/**
 * The only module that talks HTTP. It asks the export endpoint one question, streams the
 * CSV to a temporary file and renames it to JFrog's documented name only when the body is
 * complete. Every failure becomes one of our errors, built from sanitized facts: an axios
 * error (which holds the request headers, and so the token) never leaves this file.
 */
import axios, { AxiosResponse } from "axios";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, promises as fsp } from "node:fs";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Clock, systemClock } from "../clock";
import {
  AuthenticationError,
  BadRequestError,
  NetworkError,
  PermissionError,
  RateLimitedError,
  ServerError,
  UsageError,
} from "../errors";
import { exportFileName } from "../query/constraints";
import { NormalizedQuery, UsageQuery, requestPath, validateQuery } from "../query/query";
import { Connection, ConnectionOptions, redact, resolveConnection } from "./connection";
import {
  FileLimiterStore,
  LimiterScope,
  LimiterStore,
  RateLimiter,
  WaitEvent,
  defaultScopes,
} from "./rate-limiter";
import { RedisLimiterStore } from "./redis-store";
import {
  RetryOptions,
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  resolveRetry,
} from "./retry";
import { defaultCacheDir } from "./paths";

export type ClientEvent =
  | WaitEvent
  | { readonly type: "request"; readonly attempt: number; readonly path: string }
  | {
      readonly type: "response";
      readonly attempt: number;
      readonly status: number;
      readonly ms: number;
    }
  | {
      readonly type: "retry";
      readonly attempt: number;
      readonly ms: number;
      readonly reason: string;
    }
  | { readonly type: "saved"; readonly path: string; readonly bytes: number };

export interface ExportClientOptions extends ConnectionOptions {
  /** Time and sleep. @default the system clock */
  readonly clock?: Clock;
  /** Longest wait for the response headers. @default 120000 ms */
  readonly timeoutMs?: number;
  /** Longest silence while the body streams. @default 30000 ms */
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /**
   * The client-side limiter. @default one whose state is shared by every process on the
   * machine, under `cacheDir`. `false` turns it off (the server's 429s still apply).
   */
  readonly limiter?: RateLimiter | false;
  /** Where limiter state lives. @default JFROG_USAGE_CACHE_DIR, else the user's cache dir */
  readonly cacheDir?: string;
  /** Progress: waits, attempts, retries. Never carries the token. */
  readonly onEvent?: (event: ClientEvent) => void;
}

export interface ExportResult {
  /** Where the CSV was written. */
  readonly path: string;
  /** `JFrog-data-transfer-YYYYMMDD-yyyymmdd.csv` */
  readonly fileName: string;
  readonly bytes: number;
  /** HTTP attempts made, the successful one included. */
  readonly attempts: number;
  readonly query: NormalizedQuery;
}

export interface ExportToFileOptions {
  /** Name of the file in `outDir`. @default JFrog's attachment name */
  readonly fileName?: string;
}

type Failure =
  | { kind: "status"; status: number; retryAfterMs?: number; message?: string }
  | { kind: "network"; reason: "timeout" | "truncated" | "connection"; detail: string };

const MAX_ERROR_BODY = 64 * 1024;

export class ExportClient {
  private readonly connection: Connection;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter | undefined;
  private readonly scopes: LimiterScope[];
  private readonly options: ExportClientOptions;

  constructor(options: ExportClientOptions = {}) {
    this.options = options;
    this.connection = resolveConnection(options);
    this.clock = options.clock ?? systemClock;
    this.scopes = defaultScopes(
      this.connection.tokenId,
      this.connection.host,
      rateLimitScale(options.env),
    );
    this.limiter =
      options.limiter === false
        ? undefined
        : (options.limiter ??
          new RateLimiter({
            store: defaultLimiterStore(options),
            clock: this.clock,
            onWait: (e) => options.onEvent?.(e),
          }));
  }

  get baseUrl(): string {
    return this.connection.baseUrl;
  }

  /** A one-way name of the token, safe for logs and cache keys. */
  get tokenId(): string {
    return this.connection.tokenId;
  }

  /**
   * Fetches one export into `outDir` (validated first, as one request). Retries 429, 5xx and
   * network failures within the retry budget; writes nothing unless the body is complete.
   */
  async exportToFile(
    query: UsageQuery,
    outDir: string,
    options: ExportToFileOptions = {},
  ): Promise<ExportResult> {
    const q = validateQuery(query, { now: this.clock.now() });
    const retry = resolveRetry(this.options.retry);
    const fileName = options.fileName ?? exportFileName(q.startDate, q.endDate);
    const started = this.clock.now();
    const deadline = started + retry.maxWaitMs;
    mkdirSync(outDir, { recursive: true });

    for (let attempt = 1; ; attempt++) {
      await this.limiter?.acquire(this.scopes, deadline);
      const outcome = await this.attempt(q, attempt, outDir, fileName);
      if ("path" in outcome) return { ...outcome, fileName, attempts: attempt, query: q };

      const failure = outcome;
      const now = this.clock.now();
      if (failure.kind === "status" && !isRetryableStatus(failure.status))
        throw this.toError(failure, attempt);
      let delay: number;
      if (failure.kind === "status" && failure.status === 429) {
        delay = failure.retryAfterMs ?? backoffDelay(attempt, retry.rateLimitBaseDelayMs, retry);
        await this.limiter?.block(this.scopes, now + delay);
        if (attempt >= retry.maxAttempts || now + delay > deadline) {
          throw new RateLimitedError(
            new Date(now + delay),
            `HTTP 429 after ${attempt} attempt(s)${failure.retryAfterMs === undefined ? "" : ", Retry-After given"}`,
          );
        }
      } else {
        delay = backoffDelay(attempt, retry.baseDelayMs, retry);
        if (attempt >= retry.maxAttempts || now + delay > deadline)
          throw this.toError(failure, attempt);
      }
      this.options.onEvent?.({
        type: "retry",
        attempt,
        ms: delay,
        reason: failure.kind === "status" ? `HTTP ${failure.status}` : failure.detail,
      });
      await this.clock.sleep(delay);
    }
  }

  private toError(f: Failure, attempts: number): UsageError {
    if (f.kind === "network") return new NetworkError(f.reason, f.detail, attempts);
    switch (f.status) {
      case 400:
        return new BadRequestError(f.message);
      case 401:
        return new AuthenticationError();
      case 403:
        return new PermissionError(f.message);
      case 429:
        return new RateLimitedError(new Date(this.clock.now() + (f.retryAfterMs ?? 0)), "HTTP 429");
      default:
        if (f.status >= 500) return new ServerError(f.status, attempts);
        return new BadRequestError(
          `unexpected HTTP ${f.status}${f.message ? `: ${f.message}` : ""}`,
        );
    }
  }

  /** One HTTP attempt. Resolves to the saved file, or to a sanitized failure. */
  private async attempt(
    q: NormalizedQuery,
    attempt: number,
    outDir: string,
    fileName: string,
  ): Promise<{ path: string; bytes: number } | Failure> {
    const path = requestPath(q);
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    const idleMs = this.options.idleTimeoutMs ?? 30_000;
    this.options.onEvent?.({ type: "request", attempt, path });
    const controller = new AbortController();
    let timedOut = false;
    let timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const t0 = Date.now();
    let response: AxiosResponse<Readable>;
    try {
      response = await axios.get<Readable>(this.connection.baseUrl + path, {
        responseType: "stream",
        validateStatus: () => true,
        signal: controller.signal,
        maxRedirects: 3,
        headers: { Authorization: `Bearer ${this.connection.token}`, Accept: "text/csv, */*" },
        // Keep axios from turning bodies into strings or JSON behind our back.
        transformResponse: [],
      });
    } catch (e) {
      clearTimeout(timer);
      return { kind: "network", ...this.describeNetworkError(e, timedOut) };
    }
    clearTimeout(timer);
    this.options.onEvent?.({
      type: "response",
      attempt,
      status: response.status,
      ms: Date.now() - t0,
    });

    if (response.status !== 200) {
      const message = await readErrorMessage(response.data).catch(() => undefined);
      return {
        kind: "status",
        status: response.status,
        message: message === undefined ? undefined : redact(message, this.connection.token),
        retryAfterMs: parseRetryAfter(
          headerValue(response.headers["retry-after"]),
          this.clock.now(),
        ),
      };
    }

    const expected = Number(headerValue(response.headers["content-length"]) ?? NaN);
    const tmp = join(
      outDir,
      `.${fileName}.${process.pid}.${randomBytes(4).toString("hex")}.partial`,
    );
    let bytes = 0;
    const restartIdle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        response.data.destroy(new Error("idle"));
      }, idleMs);
    };
    restartIdle();
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        restartIdle();
        done(null, chunk);
      },
    });
    try {
      await pipeline(response.data, counter, createWriteStream(tmp, { mode: 0o644 }));
      clearTimeout(timer);
      if (Number.isFinite(expected) && bytes !== expected) {
        throw Object.assign(new Error(`received ${bytes} of ${expected} bytes`), {
          truncated: true,
        });
      }
      const target = join(outDir, fileName);
      await fsp.rename(tmp, target);
      this.options.onEvent?.({ type: "saved", path: target, bytes });
      return { path: target, bytes };
    } catch (e) {
      clearTimeout(timer);
      await fsp.rm(tmp, { force: true });
      if (timedOut)
        return {
          kind: "network",
          reason: "timeout",
          detail: `no data for ${idleMs} ms while reading the body`,
        };
      const detail = (e as { truncated?: boolean }).truncated
        ? (e as Error).message
        : `the connection closed after ${bytes}${Number.isFinite(expected) ? ` of ${expected}` : ""} bytes`;
      return { kind: "network", reason: "truncated", detail };
    }
  }

  private describeNetworkError(
    e: unknown,
    timedOut: boolean,
  ): { reason: "timeout" | "connection"; detail: string } {
    if (timedOut)
      return {
        reason: "timeout",
        detail: `no response within ${this.options.timeoutMs ?? 120_000} ms`,
      };
    const code =
      typeof (e as { code?: unknown })?.code === "string" ? (e as { code: string }).code : "ERROR";
    const cause = (e as { cause?: { code?: unknown } })?.cause;
    const causeCode = typeof cause?.code === "string" ? cause.code : undefined;
    const known = /^[A-Z_]+$/.test(code) ? code : "ERROR";
    if (known === "ECONNABORTED" || known === "ETIMEDOUT")
      return { reason: "timeout", detail: known };
    return {
      reason: "connection",
      detail: `${known}${causeCode && causeCode !== known ? `/${causeCode}` : ""} connecting to ${this.connection.host}`,
    };
  }
}

/**
 * JFROG_USAGE_RATE_LIMIT_SCALE: divide the documented windows by this factor. Only for
 * rehearsals against the simulator's `fast` mode (60); never set it against JFrog.
 */
export function rateLimitScale(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.JFROG_USAGE_RATE_LIMIT_SCALE ?? 1);
  return Number.isFinite(v) && v >= 1 ? v : 1;
}

/** JFROG_USAGE_REDIS_URL when set (a fleet shares one ledger), else a file under the cache dir. */
export function defaultLimiterStore(
  options: Pick<ExportClientOptions, "env" | "cacheDir"> = {},
): LimiterStore {
  const env = options.env ?? process.env;
  if (env.JFROG_USAGE_REDIS_URL) return new RedisLimiterStore({ url: env.JFROG_USAGE_REDIS_URL });
  return new FileLimiterStore(join(options.cacheDir ?? defaultCacheDir(env), "limiter"));
}

function headerValue(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined || v === null ? undefined : String(v);
}

/** The server's message from an error body: JSON `errors[0].message`, `message`, or text. */
async function readErrorMessage(stream: Readable): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > MAX_ERROR_BODY) {
      stream.destroy();
      break;
    }
  }
  const text = Buffer.concat(chunks).toString("utf8").slice(0, MAX_ERROR_BODY).trim();
  if (!text) return undefined;
  try {
    const body = JSON.parse(text) as {
      errors?: { message?: unknown }[];
      message?: unknown;
      error?: unknown;
    };
    const m = body.errors?.[0]?.message ?? body.message ?? body.error;
    if (typeof m === "string") return m.slice(0, 500);
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, " ").slice(0, 300);
}

/** Fetches one export with a client built from the options (and the environment). */
export async function exportUsage(
  query: UsageQuery,
  outDir: string,
  options: ExportClientOptions & ExportToFileOptions = {},
): Promise<ExportResult> {
  return new ExportClient(options).exportToFile(query, outDir, options);
}
