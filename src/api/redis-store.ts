/**
 * The limiter's ledger in Redis, so every runner that shares a token shares its windows.
 * One key holds the state of every scope; `update` is an optimistic transaction (WATCH, read,
 * decide, MULTI/SET/EXEC, retried on conflict), so two runners never both spend the last slot.
 */
import { InvalidInputError, NetworkError } from "../errors";
import { withRedis } from "../redis";
import { LimiterState, LimiterStore } from "./rate-limiter";

export interface RedisLimiterStoreOptions {
  /** `redis://host:port/db`. */
  readonly url: string;
  /** @default "jfrog-usage:limiter" */
  readonly key?: string;
  /** Give up after this many conflicting transactions in a row. @default 200 */
  readonly maxConflicts?: number;
}

export class RedisLimiterStore implements LimiterStore {
  readonly key: string;
  private readonly url: string;
  private readonly maxConflicts: number;

  constructor(options: RedisLimiterStoreOptions) {
    if (!/^rediss?:\/\//.test(options.url)) {
      throw new InvalidInputError(
        `JFROG_USAGE_REDIS_URL: "${options.url}" must look like redis://host:6379`,
      );
    }
    this.url = options.url;
    this.key = options.key ?? "jfrog-usage:limiter";
    this.maxConflicts = options.maxConflicts ?? 200;
  }

  async update<T>(fn: (state: LimiterState) => T): Promise<T> {
    return withRedis(this.url, "the limiter's Redis", async (redis) => {
      for (let attempt = 0; attempt < this.maxConflicts; attempt++) {
        await redis.watch(this.key);
        const raw = await redis.get(this.key);
        let state: LimiterState = { version: 1, scopes: {} };
        try {
          const parsed = raw ? (JSON.parse(raw) as LimiterState) : undefined;
          if (parsed?.version === 1 && typeof parsed.scopes === "object") state = parsed;
        } catch {
          // unreadable: start afresh
        }
        const result = fn(state);
        const done = await redis
          .multi()
          .set(this.key, JSON.stringify(state), "EX", 2 * 3600)
          .exec();
        if (done !== null) return result;
        await new Promise((r) => setTimeout(r, Math.random() * 10));
      }
      throw new NetworkError(
        "connection",
        "the limiter's Redis ledger stayed contended",
        this.maxConflicts,
      );
    });
  }
}
