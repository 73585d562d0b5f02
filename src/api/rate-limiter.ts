/**
 * A client-side limiter for the usage export: before each attempt it takes a slot in every
 * window that applies (per token: 5 / 5 min and 10 / hour; per machine and host: 10 / 10 min
 * and 20 / hour), so a burst waits its turn instead of earning 429s. Its state lives in a
 * store shared by every process on the machine; a read-decide-write happens under a lock, so
 * two processes started at once never both spend the last slot.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as lockfile from "proper-lockfile";
import { Clock, systemClock } from "../clock";
import { RateLimitedError } from "../errors";
import { CONSTRAINTS, RateWindow } from "../query/constraints";

export interface ScopeState {
  /** Times (ms) of attempts recorded in this scope, oldest first. */
  attempts: number[];
  /** No attempt before this time (ms), learned from a 429. */
  blockedUntil?: number;
  /**
   * Smaller limits learned from 429s (JFrog's limits "may vary"): per window length, the
   * largest count believed allowed, until a time. Only ever lower than the documented ones.
   */
  learned?: { windowMs: number; max: number; until: number }[];
}

/** How long a limit learned from a 429 is believed. */
export const LEARNED_LIMIT_MS = 60 * 60_000;

/** The windows in force for a scope: the documented ones, lowered by what 429s taught. */
export function effectiveWindows(
  state: ScopeState | undefined,
  windows: readonly RateWindow[],
  now: number,
): RateWindow[] {
  return windows.map((w) => {
    const l = state?.learned?.find((x) => x.windowMs === w.windowMs && x.until > now);
    return l && l.max < w.max ? { max: l.max, windowMs: w.windowMs } : w;
  });
}

export interface LimiterState {
  version: 1;
  scopes: Record<string, ScopeState>;
}

/** Where the limiter keeps its windows. `update` must be atomic across all its users. */
export interface LimiterStore {
  update<T>(fn: (state: LimiterState) => T): Promise<T>;
}

const emptyState = (): LimiterState => ({ version: 1, scopes: {} });

/** One process only; for tests and for callers that opt out of sharing. */
export class MemoryLimiterStore implements LimiterStore {
  private state = emptyState();
  async update<T>(fn: (state: LimiterState) => T): Promise<T> {
    return fn(this.state);
  }
}

/**
 * State in `<dir>/rate-limits.json`, guarded by a lock directory (`proper-lockfile`), written
 * to a temporary name and renamed, so a crash never leaves half a file.
 */
export class FileLimiterStore implements LimiterStore {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = join(dir, "rate-limits.json");
  }

  async update<T>(fn: (state: LimiterState) => T): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    const release = await lockfile.lock(this.file, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 200, minTimeout: 5, maxTimeout: 50, randomize: true },
    });
    try {
      const state = this.read();
      const result = fn(state);
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(state));
      renameSync(tmp, this.file);
      return result;
    } finally {
      await release();
    }
  }

  private read(): LimiterState {
    try {
      const parsed = JSON.parse(readFileSync(this.file, "utf8")) as LimiterState;
      if (parsed?.version === 1 && typeof parsed.scopes === "object") return parsed;
    } catch {
      // Missing or unreadable state: start afresh (the server's 429s still protect us).
    }
    return emptyState();
  }
}

export interface LimiterScope {
  /** Stable name, e.g. `token:<identity>` or `ip:<host>`. Never the token. */
  readonly key: string;
  readonly windows: readonly RateWindow[];
  /** For messages: "token" or "machine". */
  readonly label: string;
}

export interface WaitEvent {
  readonly type: "wait";
  readonly ms: number;
  readonly until: number;
  readonly reason: string;
}

export interface RateLimiterOptions {
  readonly store?: LimiterStore;
  readonly clock?: Clock;
  /** Told before every wait. */
  readonly onWait?: (event: WaitEvent) => void;
}

/** The documented scopes for a token and a host. */
export function defaultScopes(tokenId: string, host: string, scale = 1): LimiterScope[] {
  const scaled = (ws: readonly RateWindow[]) =>
    ws.map((w) => ({ max: w.max, windowMs: w.windowMs / scale }));
  return [
    { key: `token:${tokenId}`, windows: scaled(CONSTRAINTS.rateLimits.token), label: "token" },
    { key: `ip:${host}`, windows: scaled(CONSTRAINTS.rateLimits.ip), label: "machine" },
  ];
}

function describe(w: RateWindow): string {
  const minutes = w.windowMs / 60_000;
  return minutes >= 60 && minutes % 60 === 0
    ? `${w.max} per ${minutes === 60 ? "hour" : `${minutes / 60} hours`}`
    : `${w.max} per ${minutes >= 1 ? `${minutes} min` : `${w.windowMs / 1000} s`}`;
}

/** How long until one more attempt fits every window of the scope, and why. */
/**
 * We record an attempt just before sending it and JFrog counts it when it arrives: waiting a
 * little past the window's edge keeps that skew from earning a 429.
 */
export function safetyMargin(w: RateWindow): number {
  return Math.min(2_000, Math.max(500, Math.round(w.windowMs * 0.02)));
}

export function waitForScope(
  state: ScopeState | undefined,
  scope: LimiterScope,
  now: number,
): { ms: number; reason: string } {
  let ms = 0;
  let reason = "";
  if (state?.blockedUntil !== undefined && state.blockedUntil > now) {
    ms = state.blockedUntil - now;
    reason = `MyJFrog answered 429 for this ${scope.label}`;
  }
  const attempts = state?.attempts ?? [];
  for (const w of effectiveWindows(state, scope.windows, now)) {
    const inWindow = attempts.filter((t) => t > now - w.windowMs - safetyMargin(w));
    if (inWindow.length >= w.max) {
      const wait = inWindow[inWindow.length - w.max] + w.windowMs + safetyMargin(w) - now;
      if (wait > ms) {
        ms = wait;
        reason = `${scope.label} limit ${describe(w)} reached`;
      }
    }
  }
  return { ms, reason };
}

export class RateLimiter {
  private readonly store: LimiterStore;
  private readonly clock: Clock;
  private readonly onWait?: (event: WaitEvent) => void;

  constructor(options: RateLimiterOptions = {}) {
    this.store = options.store ?? new MemoryLimiterStore();
    this.clock = options.clock ?? systemClock;
    this.onWait = options.onWait;
  }

  /**
   * Waits for a slot in every scope and records the attempt in all of them at once. Throws
   * `RateLimitedError` at once when the slot is later than `deadline` (ms).
   */
  async acquire(scopes: readonly LimiterScope[], deadline: number = Infinity): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const decision = await this.store.update((state) => {
        let worst = { ms: 0, reason: "" };
        for (const scope of scopes) {
          const w = waitForScope(state.scopes[scope.key], scope, now);
          if (w.ms > worst.ms) worst = w;
        }
        if (worst.ms === 0) {
          for (const scope of scopes) {
            const longest = Math.max(0, ...scope.windows.map((w) => w.windowMs));
            const s = (state.scopes[scope.key] ??= { attempts: [] });
            s.attempts = s.attempts.filter((t) => t > now - longest);
            s.attempts.push(now);
          }
        }
        return worst;
      });
      if (decision.ms === 0) return;
      const until = now + decision.ms;
      if (until > deadline) {
        throw new RateLimitedError(
          new Date(until),
          `${decision.reason}; waiting longer than allowed`,
        );
      }
      this.onWait?.({ type: "wait", ms: decision.ms, until, reason: decision.reason });
      await this.clock.sleep(decision.ms);
    }
  }

  /**
   * Records that the server refused with 429: no attempt in these scopes before `until`, and
   * each window now allows at most the attempts it held before the refused one (never more
   * than documented), for an hour.
   */
  async block(scopes: readonly LimiterScope[], until: number): Promise<void> {
    const now = this.clock.now();
    await this.store.update((state) => {
      for (const scope of scopes) {
        const s = (state.scopes[scope.key] ??= { attempts: [] });
        s.blockedUntil = Math.max(s.blockedUntil ?? 0, until);
        let learned = (s.learned ?? []).filter((l) => l.until > now);
        // We cannot tell which window JFrog enforced: believe the shortest one that the refusal
        // contradicts (the most likely), lowered to what it held.
        const shortest = [...effectiveWindows(s, scope.windows, now)]
          .sort((a, b) => a.windowMs - b.windowMs)
          .map((w) => ({ w, held: s.attempts.filter((t) => t > now - w.windowMs).length - 1 }))
          .find(({ w, held }) => held >= 1 && held < w.max);
        if (shortest) {
          learned = [
            ...learned.filter((l) => l.windowMs !== shortest.w.windowMs),
            { windowMs: shortest.w.windowMs, max: shortest.held, until: now + LEARNED_LIMIT_MS },
          ];
        }
        s.learned = learned;
      }
    });
  }
}
