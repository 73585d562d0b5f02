import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { defaultLimiterStore } from "../../src/api/client";
import {
  FileLimiterStore,
  MemoryLimiterStore,
  RateLimiter,
  WaitEvent,
  defaultScopes,
} from "../../src/api/rate-limiter";
import { RedisLimiterStore } from "../../src/api/redis-store";
import { ManualClock } from "../../src/clock";
import { builtModule, tempDir } from "../helpers";

const REDIS = process.env.JFROG_USAGE_TEST_REDIS_URL as string;
const freshKey = () => `jfu-test:${randomBytes(6).toString("hex")}`;

describe("the Redis ledger", () => {
  it("has a server to talk to (the suite starts one)", () => {
    expect(REDIS).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  });

  it("applies the same windows as the file store", async () => {
    const clock = new ManualClock("2026-12-03T12:00:00Z");
    const waits: WaitEvent[] = [];
    const limiter = new RateLimiter({
      clock,
      store: new RedisLimiterStore({ url: REDIS, key: freshKey() }),
      onWait: (e) => waits.push(e),
    });
    const scopes = defaultScopes("t", "h");
    for (let i = 0; i < 6; i++) await limiter.acquire(scopes);
    expect(waits.map((w) => [w.ms, w.reason])).toEqual([
      [302_000, "token limit 5 per 5 min reached"],
    ]);
  });

  it("is chosen when JFROG_USAGE_REDIS_URL is set, and says clearly when Redis is unreachable", async () => {
    expect(defaultLimiterStore({ env: { JFROG_USAGE_REDIS_URL: REDIS } })).toBeInstanceOf(
      RedisLimiterStore,
    );
    expect(defaultLimiterStore({ env: {}, cacheDir: tempDir() })).toBeInstanceOf(FileLimiterStore);
    expect(() => new RedisLimiterStore({ url: "localhost:6379" })).toThrow(
      /must look like redis:\/\/host:6379/,
    );
    const dead = new RateLimiter({ store: new RedisLimiterStore({ url: "redis://127.0.0.1:9" }) });
    await expect(dead.acquire(defaultScopes("t", "h"))).rejects.toThrow(
      /cannot reach the limiter's Redis at 127.0.0.1:9/,
    );
  });
});

describe("a 429 shrinks our belief about the window, never the other way round", () => {
  it("GIVEN a 429 on the 3rd attempt THEN each scope's shortest window allows 2, for an hour", async () => {
    const clock = new ManualClock("2026-12-03T12:00:00Z");
    const waits: WaitEvent[] = [];
    const limiter = new RateLimiter({
      clock,
      store: new MemoryLimiterStore(),
      onWait: (e) => waits.push(e),
    });
    const scopes = defaultScopes("t", "h");
    await limiter.acquire(scopes);
    await limiter.acquire(scopes);
    await limiter.acquire(scopes); // refused by the server:
    await limiter.block(scopes, clock.now() + 1000);
    clock.advance(6 * 60_000);
    for (let i = 0; i < 3; i++) await limiter.acquire(scopes);
    // A 429 does not say which scope refused: both the token's and the machine's shortest
    // windows now allow 2 (the machine's 10 minutes still hold the first three attempts).
    expect(waits.map((w) => w.reason)).toEqual([
      "machine limit 2 per 10 min reached",
      "machine limit 2 per 10 min reached",
    ]);
    const learned = await (limiter as unknown as { store: MemoryLimiterStore }).store.update((s) =>
      Object.fromEntries(
        Object.entries(s.scopes).map(([k, v]) => [k, v.learned?.map((l) => [l.windowMs, l.max])]),
      ),
    );
    expect(learned).toEqual({ "token:t": [[300_000, 2]], "ip:h": [[600_000, 2]] });
    clock.advance(61 * 60_000);
    waits.length = 0;
    for (let i = 0; i < 5; i++) await limiter.acquire(scopes);
    expect(waits).toEqual([]);
  });

  it("a 429 with the window already full learns nothing smaller", async () => {
    const clock = new ManualClock("2026-12-03T12:00:00Z");
    const store = new MemoryLimiterStore();
    const limiter = new RateLimiter({ clock, store });
    const scopes = defaultScopes("t", "h");
    await limiter.acquire(scopes);
    await limiter.block(scopes, clock.now() + 1000);
    const learned = await store.update((s) => s.scopes["token:t"].learned);
    expect(learned).toEqual([]);
  });
});

describe("property: no window ever sees more requests than allowed, across processes", () => {
  const windows = [
    { max: 3, windowMs: 700 },
    { max: 5, windowMs: 2500 },
  ];
  async function race(storeSpec: string): Promise<number[]> {
    const script = `
      const { RateLimiter, FileLimiterStore } = require(${JSON.stringify(builtModule("src/api/rate-limiter"))});
      const { RedisLimiterStore } = require(${JSON.stringify(builtModule("src/api/redis-store"))});
      const spec = ${storeSpec};
      const store = spec.redis ? new RedisLimiterStore({ url: spec.redis, key: spec.key }) : new FileLimiterStore(spec.dir);
      const scopes = [{ key: "token:fleet", label: "token", windows: ${JSON.stringify(windows)} }];
      (async () => {
        const limiter = new RateLimiter({ store });
        const granted = [];
        for (let i = 0; i < 3; i++) { await limiter.acquire(scopes); granted.push(Date.now()); }
        console.log(JSON.stringify(granted));
      })();
    `;
    const run = promisify(execFile);
    const outs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ["-e", script]).then((r) => JSON.parse(r.stdout) as number[]),
      ),
    );
    return outs.flat().sort((a, b) => a - b);
  }
  const check = (times: number[]) => {
    expect(times).toHaveLength(12);
    for (const t of times) {
      for (const w of windows) {
        // Grants are recorded just before Date.now() is read; allow 30 ms of scheduling skew.
        expect(times.filter((u) => u >= t && u < t + w.windowMs - 30).length).toBeLessThanOrEqual(
          w.max,
        );
      }
    }
  };
  it("file store, four processes", async () => {
    check(await race(JSON.stringify({ dir: tempDir() })));
  });
  it("Redis store, four processes (four runners sharing one Redis)", async () => {
    check(await race(JSON.stringify({ redis: REDIS, key: freshKey() })));
  });
});
