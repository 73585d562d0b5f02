import fc from "fast-check";
import { execFile } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ExportClient } from "../../src/api/client";
import { exportWindow } from "../../src/cache/cached-export";
import { ExportCache, cacheKey, isImmutableWindow } from "../../src/cache/export-cache";
import { ManualClock } from "../../src/clock";
import { CliIo } from "../../src/cli/io";
import { main } from "../../src/cli/main";
import { exportFileName } from "../../src/query/constraints";
import { addDays, daysBetween, eachDay } from "../../src/query/dates";
import { NormalizedQuery, normalizeQuery } from "../../src/query/query";
import { planWindows } from "../../src/query/split";
import { Simulator, startSimulator } from "../../src/simulator/server";
import { SECRET_TOKEN, builtModule, listFiles, readAll, tempDir } from "../helpers";

const NOW = Date.parse("2026-12-03T12:00:00Z");
const q = (start: string, end: string, extra: Partial<NormalizedQuery> = {}) =>
  normalizeQuery({ startDate: start, endDate: end, groupBy: ["repository"], ...extra });

describe("cache keys", () => {
  it("ignore the order of keys and values, and never hold the token", () => {
    const a = normalizeQuery({
      startDate: "2026-11-01",
      endDate: "2026-12-01",
      filterBy: { project: ["b", "a"], action: ["upload"] },
      groupBy: ["ip", "action"],
    });
    const b = normalizeQuery({
      startDate: "2026-11-01",
      endDate: "2026-12-01",
      filterBy: { action: ["upload"], project: ["a", "b"] },
      groupBy: ["action", "ip"],
    });
    expect(cacheKey("https://x", "t1", a)).toBe(cacheKey("https://x", "t1", b));
    expect(cacheKey("https://y", "t1", a)).not.toBe(cacheKey("https://x", "t1", a));
    expect(cacheKey("https://x", "t2", a)).not.toBe(cacheKey("https://x", "t1", a));
  });
  it("a window that ended before yesterday is immutable; one touching yesterday or today is not", () => {
    expect(isImmutableWindow({ endDate: "2026-12-02" }, NOW)).toBe(true);
    expect(isImmutableWindow({ endDate: "2026-12-03" }, NOW)).toBe(false);
    expect(isImmutableWindow({ endDate: "2026-12-04" }, NOW)).toBe(false);
  });
});

describe("ExportCache against the simulator", () => {
  let sim: Simulator;
  let clock: ManualClock;
  let client: ExportClient;
  let cache: ExportCache;
  let dir: string;
  beforeEach(async () => {
    clock = new ManualClock(NOW);
    sim = await startSimulator({ clock, tokens: [SECRET_TOKEN], rateLimits: "off" });
    client = new ExportClient({ baseUrl: sim.url, token: SECRET_TOKEN, clock, limiter: false });
    dir = tempDir();
    cache = new ExportCache({ dir: join(dir, "cache"), ttlMs: 3_600_000 });
  });
  afterEach(() => sim.close());
  const fetch = (w: NormalizedQuery, out = join(dir, "out")) =>
    exportWindow(client, cache, w, out, exportFileName(w.startDate, w.endDate), clock.now());

  it("serves a past window forever, and a window touching today for one hour", async () => {
    const past = q("2026-11-01", "2026-12-01");
    const today = q("2026-12-01", "2026-12-04");
    expect((await fetch(past)).fromCache).toBe(false);
    expect((await fetch(today)).fromCache).toBe(false);
    clock.advance(59 * 60_000);
    expect((await fetch(past)).fromCache).toBe(true);
    expect((await fetch(today)).fromCache).toBe(true);
    clock.advance(2 * 60_000);
    expect((await fetch(today)).fromCache).toBe(false);
    clock.advance(30 * 24 * 3_600_000);
    expect((await fetch(past)).fromCache).toBe(true);
    expect(sim.requests).toHaveLength(3);
  });

  it("a corrupt or truncated entry is detected, dropped and refetched, never served", async () => {
    const w = q("2026-11-01", "2026-12-01");
    const first = await fetch(w);
    const original = readFileSync(first.path, "utf8");
    const stored = listFiles(cache.dir).find((f) => f.endsWith(".csv")) as string;
    writeFileSync(stored, original.slice(0, original.length / 2));
    const again = await fetch(w, join(dir, "out2"));
    expect(again.fromCache).toBe(false);
    expect(readFileSync(again.path, "utf8")).toBe(original);
    appendFileSync(
      listFiles(cache.dir).find((f) => f.endsWith(".csv")) as string,
      "2026-11-30T00:00:00Z,evil,bytes,999\r\n",
    );
    expect(await cache.verify(clock.now())).toEqual({ ok: 0, removed: 1 });
    expect((await fetch(w, join(dir, "out3"))).fromCache).toBe(false);
  });

  it("evicts the least recently used entries past its size bound", async () => {
    const w1 = q("2026-09-01", "2026-10-01");
    const w2 = q("2026-10-01", "2026-11-01");
    const w3 = q("2026-11-01", "2026-12-01");
    const probe = new ExportCache({ dir: join(dir, "probe") });
    await exportWindow(client, probe, w1, join(dir, "o"), "p.csv", clock.now());
    const one = (await probe.list(clock.now()))[0].record.bytes;
    // Room for two entries of about that size.
    const lru = new ExportCache({ dir: join(dir, "lru"), maxBytes: Math.floor(one * 2.5) });
    await exportWindow(client, lru, w1, join(dir, "o"), "a.csv", clock.now());
    clock.advance(2 * 60_000); // recency is recorded at most once a minute
    await exportWindow(client, lru, w2, join(dir, "o"), "b.csv", clock.now());
    clock.advance(2 * 60_000); // recency is recorded at most once a minute
    expect(
      (await exportWindow(client, lru, w1, join(dir, "o"), "a.csv", clock.now())).fromCache,
    ).toBe(true); // w1 is now the most recent
    clock.advance(2 * 60_000); // recency is recorded at most once a minute
    await exportWindow(client, lru, w3, join(dir, "o"), "c.csv", clock.now());
    expect((await lru.list(clock.now())).map((e) => e.record.query.startDate).sort()).toEqual([
      "2026-09-01",
      "2026-11-01",
    ]);
  });

  it("keeps no token in any file", async () => {
    await fetch(q("2026-11-01", "2026-12-01"));
    expect(readAll(listFiles(cache.dir))).not.toContain(SECRET_TOKEN);
  });

  it("several processes reading and writing the same entries at once never see a partial entry", async () => {
    const script = (i: number) => `
      const { ExportClient } = require(${JSON.stringify(builtModule("src/api/client"))});
      const { ExportCache } = require(${JSON.stringify(builtModule("src/cache/export-cache"))});
      const { exportWindow } = require(${JSON.stringify(builtModule("src/cache/cached-export"))});
      const { normalizeQuery } = require(${JSON.stringify(builtModule("src/query/query"))});
      const fs = require("fs");
      (async () => {
        const clock = { now: () => ${NOW}, sleep: async () => {} };
        const client = new ExportClient({ baseUrl: ${JSON.stringify(sim.url)}, token: ${JSON.stringify(SECRET_TOKEN)}, clock, limiter: false });
        const cache = new ExportCache({ dir: ${JSON.stringify(join(dir, "shared"))} });
        const sizes = [];
        for (let k = 0; k < 6; k++) {
          const w = normalizeQuery({ startDate: "2026-1" + (k % 2) + "-01", endDate: "2026-1" + ((k % 2) + 1) + "-01", groupBy: ["repository"] });
          const r = await exportWindow(client, cache, w, ${JSON.stringify(join(dir, "p"))} + ${i}, "f" + k + ".csv", clock.now());
          sizes.push(fs.readFileSync(r.path, "utf8").length);
        }
        console.log(JSON.stringify(sizes));
      })();
    `;
    const run = promisify(execFile);
    const outs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        run(process.execPath, ["-e", script(i)]).then((r) => JSON.parse(r.stdout) as number[]),
      ),
    );
    const expected = [
      await fetch(q("2026-10-01", "2026-11-01"), join(dir, "x")),
      await fetch(q("2026-11-01", "2026-12-01"), join(dir, "x")),
    ].map((r) => readFileSync(r.path, "utf8").length);
    for (const sizes of outs)
      expect(sizes).toEqual([
        expected[0],
        expected[1],
        expected[0],
        expected[1],
        expected[0],
        expected[1],
      ]);
    expect(readdirSync(join(dir, "shared")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("window splitting", () => {
  it("a period that fits one request stays one window", () => {
    expect(planWindows(q("2026-09-01", "2026-12-01"))).toHaveLength(1);
  });
  it("splits a long daily period on calendar quarters, so past windows repeat from day to day", () => {
    const today = planWindows(q("2025-06-10", "2026-12-04")).map((w) => [w.startDate, w.endDate]);
    expect(today).toEqual([
      ["2025-06-10", "2025-07-01"],
      ["2025-07-01", "2025-10-01"],
      ["2025-10-01", "2026-01-01"],
      ["2026-01-01", "2026-04-01"],
      ["2026-04-01", "2026-07-01"],
      ["2026-07-01", "2026-10-01"],
      ["2026-10-01", "2026-12-04"],
    ]);
    const tomorrow = planWindows(q("2025-06-11", "2026-12-05")).map((w) => [
      w.startDate,
      w.endDate,
    ]);
    expect(tomorrow.slice(1, -1)).toEqual(today.slice(1, -1));
  });
  it("splits monthly periods on calendar years", () => {
    expect(
      planWindows(q("2025-06-01", "2026-12-01", { partitionBy: "month" })).map((w) => [
        w.startDate,
        w.endDate,
      ]),
    ).toEqual([
      ["2025-06-01", "2026-01-01"],
      ["2026-01-01", "2026-12-01"],
    ]);
  });
  it("keeps windows of at least 32 days when grouping by ip or artifact_path", () => {
    const ws = planWindows(q("2026-03-20", "2026-10-10", { groupBy: ["ip"] }));
    for (const w of ws) expect(daysBetween(w.startDate, w.endDate)).toBeGreaterThanOrEqual(32);
  });
  it("property: every day is covered exactly once, by legal windows", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 550 }),
        fc.integer({ min: 1, max: 558 }),
        fc.constantFrom("day", "month"),
        fc.boolean(),
        (offset, len, partitionBy, coarse) => {
          const start = addDays("2025-05-24", offset);
          const end = addDays(start, Math.min(len, 558 - offset) || 1);
          if (coarse && daysBetween(start, end) < 32) return;
          const query = q(start, end, {
            partitionBy: partitionBy as "day",
            groupBy: coarse ? ["artifact_path"] : ["repository"],
          });
          const ws = planWindows(query);
          const days = ws.flatMap((w) => [...eachDay(w.startDate, w.endDate)]);
          expect(days).toEqual([...eachDay(start, end)]);
          for (const w of ws) {
            expect(w.endDate <= addDays(w.startDate, partitionBy === "day" ? 92 : 366)).toBe(true);
            if (coarse) expect(daysBetween(w.startDate, w.endDate)).toBeGreaterThanOrEqual(32);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("jfrog-usage export and cache commands", () => {
  it("a long period: one file per window; the second run comes from the cache; list, verify, clear", async () => {
    const clock = new ManualClock(NOW);
    const sim = await startSimulator({ clock, tokens: [SECRET_TOKEN], rateLimits: "off" });
    const dir = tempDir();
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      clock,
      cwd: dir,
      isTTY: false,
      env: {
        MYJFROG_URL: sim.url,
        MYJFROG_TOKEN: SECRET_TOKEN,
        JFROG_USAGE_CACHE_DIR: join(dir, "c"),
      },
    };
    expect(
      await main(
        ["export", "--start", "2026-01-15", "--end", "2026-12-01", "--group-by", "repository"],
        io,
      ),
    ).toBe(0);
    expect(
      out
        .join("")
        .trim()
        .split("\n")
        .map((p) => p.replace(dir + "/", "")),
    ).toEqual([
      "JFrog-data-transfer-20260115-20260401.csv",
      "JFrog-data-transfer-20260401-20260701.csv",
      "JFrog-data-transfer-20260701-20261001.csv",
      "JFrog-data-transfer-20261001-20261201.csv",
    ]);
    expect(sim.requests).toHaveLength(4);
    out.length = 0;
    expect(
      await main(
        [
          "--verbose",
          "export",
          "--start",
          "2026-01-15",
          "--end",
          "2026-12-01",
          "--group-by",
          "repository",
        ],
        io,
      ),
    ).toBe(0);
    expect(sim.requests).toHaveLength(4);
    expect(err.join("")).toMatch(/2026-07-01\.\.2026-10-01 from the cache/);
    out.length = 0;
    expect(await main(["cache", "list"], io)).toBe(0);
    expect(out.join("")).toMatch(
      /^fresh {3}2026-\d\d-\d\d\.\.2026-\d\d-\d\d day group_by=repository filter=\{\} [\d.]+ kB immutable\n/,
    );
    out.length = 0;
    expect(await main(["cache", "verify"], io)).toBe(0);
    expect(out.join("")).toBe("4 entries verified, 0 corrupt removed\n");
    out.length = 0;
    expect(await main(["cache", "clear"], io)).toBe(0);
    expect(out.join("")).toMatch(/^4 entr\(ies\) removed/);
    expect(await main(["cache", "explode"], io)).toBe(2);
    await sim.close();
  });
});

describe("single flight: a fleet spends one request per distinct window", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ tokens: [SECRET_TOKEN], rateLimits: "off", faults: [] });
  });
  afterAll(() => sim.close());
  const REDIS = process.env.JFROG_USAGE_TEST_REDIS_URL as string;

  async function runners(
    n: number,
    cacheDirOf: (i: number) => string,
    env: Record<string, string>,
  ): Promise<void> {
    const script = (i: number) => `
      const { ExportClient } = require(${JSON.stringify(builtModule("src/api/client"))});
      const { exportWindow } = require(${JSON.stringify(builtModule("src/cache/cached-export"))});
      const { defaultExportCache } = require(${JSON.stringify(builtModule("src/check/fetch-report"))});
      const { normalizeQuery } = require(${JSON.stringify(builtModule("src/query/query"))});
      (async () => {
        const env = { ...process.env, JFROG_USAGE_CACHE_DIR: ${JSON.stringify(cacheDirOf(i))} };
        const client = new ExportClient({ env, limiter: false });
        const cache = defaultExportCache({ client: { env } });
        for (const [s, e] of [["2026-08-01", "2026-09-01"], ["2026-09-01", "2026-10-01"]]) {
          const w = normalizeQuery({ startDate: s, endDate: e, groupBy: ["repository"] });
          await exportWindow(client, cache, w, ${JSON.stringify(cacheDirOf(i))} + "/out", s + ".csv", Date.now());
        }
      })().catch((e) => { console.error(e.message); process.exitCode = 1; });
    `;
    const run = promisify(execFile);
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        run(process.execPath, ["-e", script(i)], {
          env: { ...process.env, MYJFROG_URL: sim.url, MYJFROG_TOKEN: SECRET_TOKEN, ...env },
        }),
      ),
    );
  }

  it("six processes on one machine (one cache folder): two windows, two requests", async () => {
    const before = sim.requests.length;
    const shared = tempDir();
    await runners(6, () => shared, {});
    expect(sim.requests.length - before).toBe(2);
  });

  it("six runners with their own disks sharing one Redis: two windows, two requests", async () => {
    const before = sim.requests.length;
    const dirs = Array.from({ length: 6 }, () => tempDir());
    await runners(6, (i) => dirs[i], { JFROG_USAGE_REDIS_URL: REDIS.replace(/\/?$/, "/1") });
    expect(sim.requests.length - before).toBe(2);
    // and every runner holds the entries on its own disk afterwards
    for (const d of dirs)
      expect(readdirSync(join(d, "out")).sort()).toEqual(["2026-08-01.csv", "2026-09-01.csv"]);
  });
});
