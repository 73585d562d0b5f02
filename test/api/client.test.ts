import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ClientEvent, ExportClient, ExportClientOptions, exportUsage } from "../../src/api/client";
import { MemoryLimiterStore, RateLimiter } from "../../src/api/rate-limiter";
import { ManualClock } from "../../src/clock";
import {
  AuthenticationError,
  BadRequestError,
  MissingTokenError,
  NetworkError,
  PermissionError,
  RateLimitedError,
  ServerError,
  UsageError,
} from "../../src/errors";
import { UsageQuery } from "../../src/query/query";
import { Simulator, SimulatorFault, startSimulator } from "../../src/simulator/server";
import { SECRET_TOKEN, everythingAbout, listFiles, readAll, tempDir } from "../helpers";

const TODAY = "2026-12-03T12:00:00Z";
const query: UsageQuery = {
  startDate: "2026-11-01",
  endDate: "2026-12-01",
  groupBy: ["repository"],
};
const FILE = "JFrog-data-transfer-20261101-20261201.csv";

describe("ExportClient against the simulator", () => {
  let sim: Simulator;
  let clock: ManualClock;
  let events: ClientEvent[];

  const start = async (extra: Parameters<typeof startSimulator>[0] = {}) => {
    clock = new ManualClock(TODAY);
    sim = await startSimulator({
      clock,
      tokens: [SECRET_TOKEN, { token: "no-view", viewUsage: false }],
      rateLimits: "off",
      ...extra,
    });
  };
  const client = (opts: ExportClientOptions = {}) => {
    events = [];
    return new ExportClient({
      baseUrl: sim.url,
      token: SECRET_TOKEN,
      clock,
      limiter: false,
      retry: { random: () => 0.5 },
      onEvent: (e) => events.push(e),
      ...opts,
    });
  };
  const withFaults = async (...faults: SimulatorFault[]) => start({ faults });

  afterEach(async () => sim?.close());

  it("GIVEN a valid query THEN the CSV lands under JFrog's documented name", async () => {
    await start();
    const out = tempDir();
    const result = await client().exportToFile(query, out);
    expect(result.path).toBe(join(out, FILE));
    expect(result.attempts).toBe(1);
    const csv = readFileSync(result.path, "utf8");
    expect(csv.split("\r\n")[0]).toBe("billing_timestamp,repository,consumption_unit,quantity");
    expect(result.bytes).toBe(Buffer.byteLength(csv));
    expect(readdirSync(out)).toEqual([FILE]);
    expect(sim.requests[0].path).toContain("group_by=repository");
  });

  it("GIVEN no token THEN it fails before any request", async () => {
    await start();
    expect(() => new ExportClient({ baseUrl: sim.url, env: {} })).toThrow(MissingTokenError);
    expect(sim.requests).toHaveLength(0);
  });

  it("GIVEN an invalid query THEN nothing is sent", async () => {
    await start();
    await expect(
      client().exportToFile({ ...query, partitionGroupLimit: 5000 }, tempDir()),
    ).rejects.toThrow(/partitionGroupLimit/);
    expect(sim.requests).toHaveLength(0);
  });

  it("400: carries the server's message and is not retried", async () => {
    await start();
    // Past the validation our client knows: a query the server alone refuses (a future end).
    const c = client();
    (c as unknown as { clock: ManualClock }).clock = new ManualClock("2026-12-10T00:00:00Z");
    const e = await c
      .exportToFile({ startDate: "2026-12-01", endDate: "2026-12-08" }, tempDir())
      .catch((x) => x);
    expect(e).toBeInstanceOf(BadRequestError);
    expect(e.message).toMatch(/400 Bad Request\): endDate: 2026-12-08 is in the future/);
    expect(e.exitCode).toBe(2);
    expect(sim.requests).toHaveLength(1);
  });

  it("401: says the token was rejected, exit code 3, no retry", async () => {
    await start();
    const e = await client({ token: "wrong-token" })
      .exportToFile(query, tempDir())
      .catch((x) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.exitCode).toBe(3);
    expect(sim.requests).toHaveLength(1);
  });

  it("403: says the token needs view_usage on this subscription", async () => {
    await start();
    const e = await client({ token: "no-view" })
      .exportToFile(query, tempDir())
      .catch((x) => x);
    expect(e).toBeInstanceOf(PermissionError);
    expect(e.message).toMatch(/needs the view_usage permission on this subscription/);
    expect(e.details).toEqual(["server said: User lacks the required view_usage permission"]);
  });

  it("500 then 200: retries with backoff and succeeds", async () => {
    await withFaults({ kind: "status", status: 500, times: 2 });
    const result = await client().exportToFile(query, tempDir());
    expect(result.attempts).toBe(3);
    expect(events.filter((e) => e.type === "retry").map((e) => (e as { ms: number }).ms)).toEqual([
      1500, 3000,
    ]);
    expect(clock.sleeps).toEqual([1500, 3000]);
  });

  it("500 every time: gives up after maxAttempts with a ServerError (exit 5)", async () => {
    await withFaults({ kind: "status", status: 503, times: 10 });
    const e = await client({ retry: { maxAttempts: 3, random: () => 0 } })
      .exportToFile(query, tempDir())
      .catch((x) => x);
    expect(e).toBeInstanceOf(ServerError);
    expect(e.message).toMatch(/HTTP 503 after 3 attempt\(s\)/);
    expect(e.exitCode).toBe(5);
    expect(sim.requests).toHaveLength(3);
  });

  it("429 with Retry-After in seconds: waits exactly that long", async () => {
    await withFaults({ kind: "429", retryAfterSeconds: 42 });
    const result = await client().exportToFile(query, tempDir());
    expect(result.attempts).toBe(2);
    expect(clock.sleeps).toEqual([42_000]);
  });

  it("429 from a real window with an HTTP-date Retry-After: waits until then", async () => {
    await start({ rateLimits: "real", retryAfter: "date" });
    const c = client();
    for (let i = 0; i < 5; i++) await c.exportToFile(query, tempDir());
    clock.advance(60_000);
    const result = await c.exportToFile(query, tempDir());
    expect(result.attempts).toBe(2);
    expect(clock.sleeps).toEqual([240_000]);
  });

  it("429 without Retry-After: backs off from 30 s", async () => {
    await withFaults({ kind: "429" }, { kind: "429" });
    const result = await client().exportToFile(query, tempDir());
    expect(result.attempts).toBe(3);
    expect(clock.sleeps).toEqual([22_500, 45_000]);
  });

  it("429 past the wait budget: fails at once with the time of the next free slot (exit 4)", async () => {
    await withFaults({ kind: "429", retryAfterSeconds: 3600 });
    const e = await client()
      .exportToFile(query, tempDir())
      .catch((x) => x);
    expect(e).toBeInstanceOf(RateLimitedError);
    expect(e.exitCode).toBe(4);
    expect(e.message).toMatch(/next request may be sent at 2026-12-03T13:00:00.000Z/);
    expect(clock.sleeps).toEqual([]);
  });

  it("a 429 teaches the shared limiter, so the next export waits instead of asking", async () => {
    await withFaults({ kind: "429", retryAfterSeconds: 3600 });
    const limiter = new RateLimiter({ clock, store: new MemoryLimiterStore() });
    await expect(client({ limiter }).exportToFile(query, tempDir())).rejects.toThrow(
      RateLimitedError,
    );
    await expect(client({ limiter }).exportToFile(query, tempDir())).rejects.toThrow(
      /answered 429 for this token/,
    );
    expect(sim.requests).toHaveLength(1);
  });

  it("a body cut short leaves nothing behind, then the retry succeeds", async () => {
    await withFaults({ kind: "cut", afterBytes: 200 });
    const out = tempDir();
    const result = await client().exportToFile(query, out);
    expect(result.attempts).toBe(2);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "retry",
        reason: expect.stringMatching(/closed after \d+ of \d+ bytes/),
      }),
    );
    expect(readdirSync(out)).toEqual([FILE]);
  });

  it("a body cut short every time: TRUNCATED error and no file, not even a partial one", async () => {
    await withFaults({ kind: "cut", afterBytes: 100, times: 5 });
    const out = tempDir();
    const e = await client({ retry: { maxAttempts: 2 } })
      .exportToFile(query, out)
      .catch((x) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.code).toBe("TRUNCATED");
    expect(e.exitCode).toBe(5);
    expect(readdirSync(out)).toEqual([]);
  });

  it("a server that never answers: times out (TIMEOUT), no file", async () => {
    await withFaults({ kind: "hang", times: 5 });
    const out = tempDir();
    const e = await client({ timeoutMs: 200, retry: { maxAttempts: 2 } })
      .exportToFile(query, out)
      .catch((x) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.code).toBe("TIMEOUT");
    expect(e.message).toMatch(/timed out after 2 attempt\(s\) \(no response within 200 ms\)/);
    expect(readdirSync(out)).toEqual([]);
  });

  it("a body that stalls mid-way: idle timeout, no file", async () => {
    await withFaults({ kind: "slow", chunkDelayMs: 1000, chunkBytes: 50, times: 5 });
    const out = tempDir();
    const e = await client({ idleTimeoutMs: 150, retry: { maxAttempts: 1 } })
      .exportToFile(query, out)
      .catch((x) => x);
    expect(e.code).toBe("TIMEOUT");
    expect(readdirSync(out)).toEqual([]);
  });

  it("a slow but steady body is received whole", async () => {
    await withFaults({ kind: "slow", chunkDelayMs: 1, chunkBytes: 4096 });
    const result = await client({ idleTimeoutMs: 2000 }).exportToFile(query, tempDir());
    expect(result.attempts).toBe(1);
    expect(readFileSync(result.path, "utf8")).toMatch(/\r\n$/);
  });

  it("nothing listening: NETWORK error naming the host, after retries", async () => {
    await start();
    const url = sim.url;
    await sim.close();
    const e = await client({ baseUrl: url, retry: { maxAttempts: 2 } })
      .exportToFile(query, tempDir())
      .catch((x) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.code).toBe("NETWORK");
    expect(e.message).toMatch(
      /could not be reached after 2 attempt\(s\) \(ECONNREFUSED.* connecting to 127.0.0.1/,
    );
    await start();
  });

  it("never puts the token in an error, an event, a file or limiter state", async () => {
    const cacheDir = tempDir();
    const out = tempDir();
    const seen: string[] = [];
    const failures: [SimulatorFault[], Partial<ExportClientOptions>][] = [
      [[{ kind: "status", status: 500, times: 9 }], { retry: { maxAttempts: 2 } }],
      [[{ kind: "cut", times: 9 }], { retry: { maxAttempts: 1 } }],
      [[{ kind: "hang", times: 9 }], { timeoutMs: 100, retry: { maxAttempts: 1 } }],
      [[{ kind: "429", retryAfterSeconds: 9999 }], {}],
      [[], { baseUrl: "http://127.0.0.1:9" }],
      [[], { token: `${SECRET_TOKEN}x` }],
    ];
    for (const [faults, opts] of failures) {
      await sim?.close();
      await start({ faults });
      const c = new ExportClient({
        baseUrl: sim.url,
        token: SECRET_TOKEN,
        clock,
        cacheDir,
        retry: { random: () => 0 },
        onEvent: (e) => seen.push(JSON.stringify(e)),
        ...opts,
      });
      const e = await c.exportToFile(query, out).catch((x) => x);
      expect(e).toBeInstanceOf(UsageError);
      seen.push(everythingAbout(e));
    }
    await sim.close();
    await start();
    await exportUsage(query, out, {
      baseUrl: sim.url,
      token: SECRET_TOKEN,
      clock,
      cacheDir,
      onEvent: (e) => seen.push(JSON.stringify(e)),
    });
    const everything = seen.join("\n") + readAll(listFiles(cacheDir)) + readAll(listFiles(out));
    expect(everything).not.toContain(SECRET_TOKEN);
    expect(everything).not.toMatch(/authorization/i);
    expect(existsSync(join(cacheDir, "limiter", "rate-limits.json"))).toBe(true);
  });
});
