import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  FileLimiterStore,
  RateLimiter,
  WaitEvent,
  defaultScopes,
} from "../../src/api/rate-limiter";
import { ManualClock } from "../../src/clock";
import { RateLimitedError } from "../../src/errors";
import { builtModule, tempDir } from "../helpers";

const scopes = defaultScopes("tok1", "my.jfrog.com");

describe("RateLimiter", () => {
  it("GIVEN 5 attempts in 5 minutes THEN the 6th waits for the oldest to leave the window", async () => {
    const clock = new ManualClock("2026-12-03T12:00:00Z");
    const waits: WaitEvent[] = [];
    const limiter = new RateLimiter({ clock, onWait: (e) => waits.push(e) });
    for (let i = 0; i < 5; i++) {
      await limiter.acquire(scopes);
      clock.advance(10_000);
    }
    expect(waits).toEqual([]);
    await limiter.acquire(scopes);
    expect(waits).toHaveLength(1);
    expect(waits[0].ms).toBe(5 * 60_000 - 50_000 + 2_000); // plus the safety margin past the window edge
    expect(waits[0].reason).toBe("token limit 5 per 5 min reached");
  });

  it("never lets any 5-minute window hold more than 5, nor any hour more than 10", async () => {
    const clock = new ManualClock("2026-12-03T12:00:00Z");
    const limiter = new RateLimiter({ clock });
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      await limiter.acquire(scopes);
      times.push(clock.now());
      clock.advance(7_000);
    }
    for (const t of times) {
      expect(times.filter((u) => u >= t && u < t + 5 * 60_000).length).toBeLessThanOrEqual(5);
      expect(times.filter((u) => u >= t && u < t + 60 * 60_000).length).toBeLessThanOrEqual(10);
    }
    // 25 attempts at 10 an hour need more than two hours.
    expect(times[24] - times[0]).toBeGreaterThan(2 * 60 * 60_000);
  });

  it("applies the machine's windows across tokens", async () => {
    const clock = new ManualClock("2026-12-03T12:00:00Z");
    const limiter = new RateLimiter({ clock });
    const waits: WaitEvent[] = [];
    const l2 = new RateLimiter({
      clock,
      onWait: (e) => waits.push(e),
      store: (limiter as unknown as { store: FileLimiterStore }).store,
    });
    for (let i = 0; i < 10; i++)
      await limiter.acquire(defaultScopes(`t${i % 3}-${Math.floor(i / 5)}`, "h"));
    await l2.acquire(defaultScopes("fresh", "h"));
    expect(waits[0].reason).toBe("machine limit 10 per 10 min reached");
  });

  it("fails at once, naming the next free slot, when the wait passes the deadline", async () => {
    const clock = new ManualClock("2026-12-03T12:00:00Z");
    const limiter = new RateLimiter({ clock });
    for (let i = 0; i < 5; i++) await limiter.acquire(scopes);
    const deadline = clock.now() + 60_000;
    await expect(limiter.acquire(scopes, deadline)).rejects.toThrow(RateLimitedError);
    await expect(limiter.acquire(scopes, deadline)).rejects.toThrow(
      /next request may be sent at 2026-12-03T12:05:02.000Z/,
    );
    expect(clock.sleeps).toEqual([]);
  });

  it("honours a block learned from a 429", async () => {
    const clock = new ManualClock("2026-12-03T12:00:00Z");
    const waits: WaitEvent[] = [];
    const limiter = new RateLimiter({ clock, onWait: (e) => waits.push(e) });
    await limiter.block(scopes, clock.now() + 42_000);
    await limiter.acquire(scopes);
    expect(waits.map((w) => [w.ms, w.reason])).toEqual([
      [42_000, "MyJFrog answered 429 for this token"],
    ]);
  });

  it("keeps its state in a file that holds no token and survives a new process", async () => {
    const dir = tempDir();
    const clock = new ManualClock("2026-12-03T12:00:00Z");
    const a = new RateLimiter({ clock, store: new FileLimiterStore(dir) });
    for (let i = 0; i < 5; i++) await a.acquire(scopes);
    const waits: WaitEvent[] = [];
    const b = new RateLimiter({
      clock,
      store: new FileLimiterStore(dir),
      onWait: (e) => waits.push(e),
    });
    await b.acquire(scopes);
    expect(waits).toHaveLength(1);
    expect(readFileSync(join(dir, "rate-limits.json"), "utf8")).toContain("token:tok1");
  });
});

describe("FileLimiterStore across processes", () => {
  it("GIVEN 8 processes racing for 5 slots THEN exactly 5 get one", async () => {
    const dir = tempDir();
    const script = `
      const { RateLimiter, FileLimiterStore } = require(${JSON.stringify(builtModule("src/api/rate-limiter"))});
      const scopes = [{ key: "token:race", label: "token", windows: [{ max: 5, windowMs: 300000 }] }];
      const clock = { now: () => ${Date.parse("2026-12-03T12:00:00Z")}, sleep: async () => {} };
      new RateLimiter({ clock, store: new FileLimiterStore(${JSON.stringify(dir)}) })
        .acquire(scopes, clock.now() + 1)
        .then(() => console.log("granted"), (e) => console.log(e.code));
    `;
    const run = promisify(execFile);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        run(process.execPath, ["-e", script]).then((r) => r.stdout.trim()),
      ),
    );
    expect(results.filter((r) => r === "granted")).toHaveLength(5);
    expect(results.filter((r) => r === "RATE_LIMITED")).toHaveLength(3);
  });
});
