import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { promisify } from "node:util";
import { ManualClock } from "../../src/clock";
import { Simulator, startSimulator } from "../../src/simulator/server";
import { tempDir } from "../helpers";

const TOKEN = "sim-token";
const clock = new ManualClock("2026-12-03T12:00:00Z");

async function get(sim: Simulator, query: string, token: string | null = TOKEN) {
  const res = await fetch(`${sim.url}/api/usage/v1/export/traffic?${query}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function parse(csv: string): string[][] {
  return csv
    .trim()
    .split("\r\n")
    .map((l) => l.split(","));
}

describe("simulator: data", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      clock,
      rateLimits: "off",
      tokens: [TOKEN, { token: "nv", viewUsage: false }],
    });
  });
  afterAll(() => sim.close());

  const base =
    "format=csv&start_date=2026-11-01&non_inclusive_end_date=2026-11-08&partition_by=day";

  it("answers with the documented attachment name and one row per partition when not grouped", async () => {
    const r = await get(sim, base);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-disposition")).toBe(
      'attachment; filename="JFrog-data-transfer-20261101-20261108.csv"',
    );
    const rows = parse(r.text);
    expect(rows[0]).toEqual(["billing_timestamp", "consumption_unit", "quantity"]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(
      ["01", "02", "03", "04", "05", "06", "07"].map((d) => `2026-11-${d}T00:00:00Z`),
    );
  });

  it("is deterministic for a seed and differs between seeds", async () => {
    const other = await startSimulator({ clock, rateLimits: "off", seed: 7 });
    const a = (await get(sim, base)).text;
    expect((await get(sim, base)).text).toBe(a);
    expect((await get(other, base)).text).not.toBe(a);
    await other.close();
  });

  it("sums groups to the ungrouped total, and filters keep a subset", async () => {
    const total = parse((await get(sim, base)).text)
      .slice(1)
      .reduce((s, r) => s + Number(r[2]), 0);
    const grouped = parse((await get(sim, `${base}&group_by=repository&group_by=action`)).text);
    expect(grouped[0]).toEqual([
      "billing_timestamp",
      "action",
      "repository",
      "consumption_unit",
      "quantity",
    ]);
    expect(grouped.slice(1).reduce((s, r) => s + Number(r[4]), 0)).toBe(total);
    const downloads = parse(
      (await get(sim, `${base}&filter_by[action]=download&group_by=action`)).text,
    ).slice(1);
    expect(new Set(downloads.map((r) => r[1]))).toEqual(new Set(["download"]));
    const dl = downloads.reduce((s, r) => s + Number(r[3]), 0);
    expect(dl).toBeGreaterThan(total * 0.5);
    expect(dl).toBeLessThan(total);
  });

  it("accepts the brackets percent-encoded or not, and several values of one key", async () => {
    const raw = await get(
      sim,
      `${base}&filter_by[server_name]=acme&filter_by[server_name]=acme-eu&group_by=server_name`,
    );
    const enc = await get(
      sim,
      `${base}&filter_by%5Bserver_name%5D=acme&filter_by%5Bserver_name%5D=acme-eu&group_by=server_name`,
    );
    expect(enc.text).toBe(raw.text);
    expect(
      new Set(
        parse(raw.text)
          .slice(1)
          .map((r) => r[1]),
      ),
    ).toEqual(new Set(["acme", "acme-eu"]));
  });

  it("partitions by month and keeps at most partition_group_limit rows per partition, largest first", async () => {
    const r = parse(
      (
        await get(
          sim,
          "format=csv&start_date=2026-09-01&non_inclusive_end_date=2026-12-01&partition_by=month&partition_group_limit=3&group_by=repository",
        )
      ).text,
    );
    const months = r.slice(1).map((x) => x[0]);
    expect(months).toEqual([
      ...Array(3).fill("2026-09-01T00:00:00Z"),
      ...Array(3).fill("2026-10-01T00:00:00Z"),
      ...Array(3).fill("2026-11-01T00:00:00Z"),
    ]);
    const sept = r.slice(1, 4).map((x) => Number(x[3]));
    expect([...sept].sort((a, b) => b - a)).toEqual(sept);
  });

  it("has no data after now, and part of today", async () => {
    const r = parse(
      (await get(sim, "format=csv&start_date=2026-12-02&non_inclusive_end_date=2026-12-04")).text,
    ).slice(1);
    expect(r.map((x) => x[0])).toEqual(["2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"]);
    expect(Number(r[1][2])).toBeLessThan(Number(r[0][2]) * 0.8);
  });

  it("quotes values that hold commas or quotes", async () => {
    const r = await get(
      sim,
      "format=csv&start_date=2026-09-01&non_inclusive_end_date=2026-12-01&partition_by=month&group_by=artifact_path&filter_by[repository]=generic-local",
    );
    expect(r.text).toMatch(/,"generic-local\/reports\/q\d,""final"" summary\.pdf",bytes,/);
  });

  it.each([
    ["", 401, "Missing or invalid bearer token", null],
    ["", 401, "Missing or invalid bearer token", "who"],
    ["", 403, "User lacks the required view_usage permission", "nv"],
    [
      "&partition_group_limit=0",
      400,
      "partitionGroupLimit: 0 must be a whole number from 1 to 1999",
      TOKEN,
    ],
    ["&filter_by[colour]=red", 400, 'filterBy: unknown key "colour"', TOKEN],
    [
      "&group_by=ip",
      400,
      "ip: filtering or grouping by ip needs a range of at least 32 days",
      TOKEN,
    ],
    ["&colour=red", 400, "colour: unknown parameter", TOKEN],
  ])("query%s answers %i with a JSON message", async (extra, status, message, token) => {
    const r = await get(sim, base + extra, token as string | null);
    expect(r.status).toBe(status);
    expect(JSON.parse(r.text).errors[0].message).toContain(message);
  });

  it("rejects other formats and scenarios with 400", async () => {
    expect((await get(sim, base.replace("format=csv", "format=json"))).status).toBe(400);
    const r = await fetch(`${sim.url}/api/usage/v1/export/storage?${base}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.status).toBe(400);
  });

  it("serves JFrog's own sample request to curl -g -OJ under the documented name", async () => {
    const dir = tempDir();
    const url = `${sim.url}/api/usage/v1/export/traffic?format=csv&start_date=2026-10-01&non_inclusive_end_date=2026-11-01&partition_by=day&partition_group_limit=1000&filter_by[server_name]=acme&filter_by[server_name]=acme-eu&group_by=repository&group_by=action`;
    await promisify(execFile)(
      "curl",
      [
        "-sS",
        "-g",
        "-OJ",
        "--location",
        "--request",
        "GET",
        url,
        "--header",
        "Content-Type: application/json",
        "--header",
        `Authorization: Bearer ${TOKEN}`,
      ],
      { cwd: dir },
    );
    expect(readdirSync(dir)).toEqual(["JFrog-data-transfer-20261001-20261101.csv"]);
    expect(readFileSync(`${dir}/JFrog-data-transfer-20261001-20261101.csv`, "utf8")).toMatch(
      /^billing_timestamp,action,repository,/,
    );
  });
});

describe("simulator: rate limits", () => {
  const q = "format=csv&start_date=2026-11-01&non_inclusive_end_date=2026-11-02";

  it("GIVEN real limits THEN the 6th request in 5 minutes gets 429 with Retry-After, and the window reopens", async () => {
    const c = new ManualClock("2026-12-03T12:00:00Z");
    const sim = await startSimulator({ clock: c });
    for (let i = 0; i < 5; i++) {
      expect((await get(sim, q)).status).toBe(200);
      c.advance(30_000);
    }
    const r = await get(sim, q);
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("150");
    c.advance(150_000);
    expect((await get(sim, q)).status).toBe(200);
    await sim.close();
  });

  it("applies 10 per hour per token", async () => {
    const c = new ManualClock("2026-12-03T12:00:00Z");
    const sim = await startSimulator({ clock: c });
    for (let i = 0; i < 10; i++) {
      expect((await get(sim, q)).status).toBe(200);
      c.advance(5 * 60_000);
    }
    const r = await get(sim, q);
    expect(r.status).toBe(429);
    // The oldest of ten (at 0 min) leaves the hour at 60 min; it is now 50 min.
    expect(r.headers.get("retry-after")).toBe("600");
    await sim.close();
  });

  it("applies the per-IP limits across tokens, with an HTTP-date Retry-After when asked", async () => {
    const c = new ManualClock("2026-12-03T12:00:00Z");
    const tokens = ["a", "b", "c"];
    const sim = await startSimulator({ clock: c, tokens, retryAfter: "date" });
    for (let i = 0; i < 10; i++) expect((await get(sim, q, tokens[i % 3])).status).toBe(200);
    const r = await get(sim, q, "a");
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("Thu, 03 Dec 2026 12:10:00 GMT");
    await sim.close();
  });

  it("fast mode keeps the counts and shortens the windows 60 times", async () => {
    const c = new ManualClock("2026-12-03T12:00:00Z");
    const sim = await startSimulator({ clock: c, rateLimits: "fast" });
    for (let i = 0; i < 5; i++) expect((await get(sim, q)).status).toBe(200);
    expect((await get(sim, q)).headers.get("retry-after")).toBe("5");
    c.advance(5_000);
    expect((await get(sim, q)).status).toBe(200);
    await sim.close();
  });

  it("records requests without the token", async () => {
    const sim = await startSimulator({
      clock,
      tokens: ["super-secret-token-value"],
      rateLimits: "off",
    });
    await get(sim, q, "super-secret-token-value");
    expect(JSON.stringify(sim.requests)).not.toContain("super-secret-token-value");
    expect(sim.requests[0]).toMatchObject({
      status: 200,
      tokenId: expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    await sim.close();
  });
});
