/**
 * Where exports are kept, keyed by the normalized query plus the base URL and a one-way
 * identity of the token (never the token), so two subscriptions never share entries.
 *
 * An entry is a content-addressed CSV (`<key>.<sha256>.csv`) and a small JSON record
 * (`<key>.json`) naming it, each written to a temporary name and renamed. A reader trusts an
 * entry only when its record parses and the CSV's hash matches: a corrupt or truncated entry
 * is dropped and refetched, never served. Windows that ended before yesterday (UTC) never
 * change and are kept until evicted; a window that touches yesterday or today expires after
 * a TTL. Least recently used entries are evicted past a size bound.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, promises as fsp } from "node:fs";
import { join } from "node:path";
import * as lockfile from "proper-lockfile";
import { addDays, dateMs, utcDay } from "../query/dates";
import { NormalizedQuery } from "../query/query";
import type { SharedExportCache } from "./redis-cache";

export interface ExportCacheOptions {
  /** The folder (e.g. `<JFROG_USAGE_CACHE_DIR>/exports`). */
  readonly dir: string;
  /** How long a window that touches yesterday or today is served. @default 3600000 (1 hour) */
  readonly ttlMs?: number;
  /** Evict least recently used entries past this many bytes. @default 2 GiB */
  readonly maxBytes?: number;
  /** A cache shared by a fleet (Redis), asked before JFrog. @default none */
  readonly shared?: SharedExportCache;
}

export interface CacheRecord {
  readonly version: 1;
  readonly key: string;
  readonly baseUrl: string;
  readonly tokenId: string;
  readonly query: NormalizedQuery;
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly fetchedAt: number;
  /** Undefined for immutable windows. */
  readonly expiresAt?: number;
  lastUsedAt: number;
}

export interface CacheEntryStatus {
  readonly record: CacheRecord;
  readonly state: "fresh" | "expired" | "corrupt";
}

/** The cache key of a query asked of a subscription with a token. */
export function cacheKey(baseUrl: string, tokenId: string, q: NormalizedQuery): string {
  return createHash("sha256")
    .update(JSON.stringify({ baseUrl, tokenId, q }))
    .digest("hex")
    .slice(0, 32);
}

/** True when every day of the window is before yesterday (UTC): its data no longer changes. */
export function isImmutableWindow(q: Pick<NormalizedQuery, "endDate">, now: number): boolean {
  return dateMs(q.endDate) <= dateMs(addDays(utcDay(now), -1));
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export class ExportCache {
  readonly dir: string;
  readonly ttlMs: number;
  readonly maxBytes: number;
  readonly shared?: SharedExportCache;

  constructor(options: ExportCacheOptions) {
    this.shared = options.shared;
    this.dir = options.dir;
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  }

  private recordPath(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  private async readRecord(key: string): Promise<CacheRecord | undefined> {
    try {
      const r = JSON.parse(await fsp.readFile(this.recordPath(key), "utf8")) as CacheRecord;
      return r?.version === 1 && r.key === key && typeof r.file === "string" ? r : undefined;
    } catch {
      return undefined;
    }
  }

  private async writeAtomic(path: string, content: string | Buffer): Promise<void> {
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await fsp.writeFile(tmp, content);
      await fsp.rename(tmp, path);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  }

  /**
   * The cached CSV for a query, verified; undefined when absent, expired or corrupt (a corrupt
   * entry is removed).
   */
  async get(
    baseUrl: string,
    tokenId: string,
    q: NormalizedQuery,
    now: number,
  ): Promise<string | undefined> {
    const key = cacheKey(baseUrl, tokenId, q);
    const record = await this.readRecord(key);
    if (!record) return undefined;
    if (record.expiresAt !== undefined && now >= record.expiresAt) return undefined;
    const path = join(this.dir, record.file);
    const actual = await sha256File(path).catch(() => undefined);
    if (actual !== record.sha256) {
      await this.drop(key);
      return undefined;
    }
    // Recency for LRU eviction, written at most once a minute per entry.
    if (now - record.lastUsedAt > 60_000) {
      record.lastUsedAt = now;
      await this.writeAtomic(this.recordPath(key), JSON.stringify(record)).catch(() => undefined);
    }
    return path;
  }

  /** Keeps content received from the shared cache; returns the cached path. */
  async putContent(
    baseUrl: string,
    tokenId: string,
    q: NormalizedQuery,
    content: Buffer,
    now: number,
  ): Promise<string> {
    await fsp.mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.incoming.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    await fsp.writeFile(tmp, content);
    try {
      return await this.put(baseUrl, tokenId, q, tmp, now, false);
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  /** Keeps a copy of a complete export; returns the cached path. */
  async put(
    baseUrl: string,
    tokenId: string,
    q: NormalizedQuery,
    source: string,
    now: number,
    share = true,
  ): Promise<string> {
    await fsp.mkdir(this.dir, { recursive: true });
    const key = cacheKey(baseUrl, tokenId, q);
    const sha = await sha256File(source);
    const file = `${key}.${sha.slice(0, 16)}.csv`;
    const target = join(this.dir, file);
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await fsp.copyFile(source, tmp);
    await fsp.rename(tmp, target);
    const { size } = await fsp.stat(target);
    const previous = await this.readRecord(key);
    const record: CacheRecord = {
      version: 1,
      key,
      baseUrl,
      tokenId,
      query: q,
      file,
      sha256: sha,
      bytes: size,
      fetchedAt: now,
      expiresAt: isImmutableWindow(q, now) ? undefined : now + this.ttlMs,
      lastUsedAt: now,
    };
    await this.writeAtomic(this.recordPath(key), JSON.stringify(record));
    if (previous && previous.file !== file)
      await fsp.rm(join(this.dir, previous.file), { force: true });
    await this.evict();
    if (share && this.shared)
      await this.shared.put(baseUrl, tokenId, q, await fsp.readFile(target), now);
    return target;
  }

  private async drop(key: string): Promise<void> {
    const record = await this.readRecord(key);
    await fsp.rm(this.recordPath(key), { force: true });
    if (record) await fsp.rm(join(this.dir, record.file), { force: true });
  }

  /**
   * Runs `fn` holding a lock on one key, shared by every process on the machine: the first
   * process to miss fetches, the others wait and then find the entry.
   */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await fsp.mkdir(this.dir, { recursive: true });
    const release = await lockfile.lock(join(this.dir, `${key}.fetch`), {
      realpath: false,
      stale: 120_000,
      update: 10_000,
      retries: { retries: 100_000, minTimeout: 50, maxTimeout: 500, factor: 1.2 },
    });
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /** The folder's file names; none when it does not exist yet. */
  private async names(): Promise<string[]> {
    try {
      return await fsp.readdir(this.dir);
    } catch {
      return [];
    }
  }

  /** Every readable entry record. */
  private async records(): Promise<CacheRecord[]> {
    const records: CacheRecord[] = [];
    for (const n of (await this.names()).filter((x) => x.endsWith(".json"))) {
      const r = await this.readRecord(n.slice(0, -5));
      if (r) records.push(r);
    }
    return records;
  }

  /** Every entry with its state (verifies hashes), most recently used first. */
  async list(now: number): Promise<CacheEntryStatus[]> {
    const out: CacheEntryStatus[] = [];
    for (const record of await this.records()) {
      const sha = await sha256File(join(this.dir, record.file)).catch(() => undefined);
      const state =
        sha !== record.sha256
          ? "corrupt"
          : record.expiresAt !== undefined && now >= record.expiresAt
            ? "expired"
            : "fresh";
      out.push({ record, state });
    }
    return out.sort((a, b) => b.record.lastUsedAt - a.record.lastUsedAt);
  }

  /** Removes corrupt entries; returns how many. */
  async verify(now: number): Promise<{ ok: number; removed: number }> {
    const entries = await this.list(now);
    let removed = 0;
    for (const e of entries.filter((x) => x.state === "corrupt")) {
      await this.drop(e.record.key);
      removed++;
    }
    return { ok: entries.length - removed, removed };
  }

  /** Removes every entry (and stray temporary or orphan files). */
  async clear(): Promise<number> {
    const names = await this.names();
    await Promise.all(
      names.map((n) => fsp.rm(join(this.dir, n), { force: true, recursive: true })),
    );
    return names.filter((n) => n.endsWith(".json")).length;
  }

  /** Evicts least recently used entries until the cache holds at most `maxBytes`. */
  async evict(): Promise<number> {
    const records = await this.records();
    records.sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    let total = records.reduce((s, r) => s + r.bytes, 0);
    let evicted = 0;
    for (const r of records) {
      if (total <= this.maxBytes) break;
      await this.drop(r.key);
      total -= r.bytes;
      evicted++;
    }
    return evicted;
  }
}
