/**
 * The export cache shared by a fleet through Redis, for entries under a size bound: a
 * runner that misses its own disk cache asks Redis before JFrog, and one runner at a time
 * fetches a window (a Redis lock), so a fleet spends one request per distinct window.
 */
import { createHash, randomBytes } from "node:crypto";
import type Redis from "ioredis";
import { withRedis } from "../redis";
import { NetworkError } from "../errors";
import { NormalizedQuery } from "../query/query";
import { cacheKey, isImmutableWindow } from "./export-cache";

export interface SharedExportCache {
  get(
    baseUrl: string,
    tokenId: string,
    q: NormalizedQuery,
    now: number,
  ): Promise<Buffer | undefined>;
  put(
    baseUrl: string,
    tokenId: string,
    q: NormalizedQuery,
    content: Buffer,
    now: number,
  ): Promise<void>;
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export interface RedisExportCacheOptions {
  readonly url: string;
  /** @default "jfrog-usage:cache" */
  readonly prefix?: string;
  /** Entries larger than this stay on disk only. @default 8 MiB */
  readonly maxEntryBytes?: number;
  /** Lifetime of a window that touches yesterday or today. @default 1 hour */
  readonly ttlMs?: number;
  /** Lifetime of a past window. @default 30 days */
  readonly immutableTtlMs?: number;
}

export class RedisExportCache implements SharedExportCache {
  private readonly prefix: string;
  private readonly maxEntryBytes: number;
  private readonly ttlMs: number;
  private readonly immutableTtlMs: number;

  constructor(private readonly options: RedisExportCacheOptions) {
    this.prefix = options.prefix ?? "jfrog-usage:cache";
    this.maxEntryBytes = options.maxEntryBytes ?? 8 * 1024 * 1024;
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.immutableTtlMs = options.immutableTtlMs ?? 30 * 24 * 3_600_000;
  }

  private with<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
    return withRedis(this.options.url, "the cache's Redis", fn);
  }

  async get(baseUrl: string, tokenId: string, q: NormalizedQuery): Promise<Buffer | undefined> {
    const key = `${this.prefix}:${cacheKey(baseUrl, tokenId, q)}`;
    return this.with(async (r) => {
      const [sha, content] = await r.hmgetBuffer(key, "sha256", "csv");
      if (!sha || !content) return undefined;
      if (createHash("sha256").update(content).digest("hex") !== sha.toString()) {
        await r.del(key);
        return undefined;
      }
      return content;
    });
  }

  async put(
    baseUrl: string,
    tokenId: string,
    q: NormalizedQuery,
    content: Buffer,
    now: number,
  ): Promise<void> {
    if (content.length > this.maxEntryBytes) return;
    const key = `${this.prefix}:${cacheKey(baseUrl, tokenId, q)}`;
    const ttl = isImmutableWindow(q, now) ? this.immutableTtlMs : this.ttlMs;
    const sha = createHash("sha256").update(content).digest("hex");
    await this.with((r) =>
      r.multi().hset(key, "sha256", sha, "csv", content).pexpire(key, ttl).exec(),
    );
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lockKey = `${this.prefix}:lock:${key}`;
    const owner = randomBytes(8).toString("hex");
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const got = await this.with((r) => r.set(lockKey, owner, "PX", 120_000, "NX"));
      if (got === "OK") break;
      if (Date.now() > deadline)
        throw new NetworkError("timeout", "waited too long for another runner's fetch", 1);
      await new Promise((res) => setTimeout(res, 100 + Math.random() * 100));
    }
    try {
      return await fn();
    } finally {
      await this.with(async (r) => {
        if ((await r.get(lockKey)) === owner) await r.del(lockKey);
      }).catch(() => undefined);
    }
  }
}
