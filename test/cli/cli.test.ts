import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManualClock } from "../../src/clock";
import { main } from "../../src/cli/main";
import { Simulator, startSimulator } from "../../src/simulator/server";
import { SECRET_TOKEN, builtModule, captureIo, tempDir } from "../helpers";

const capture = captureIo;

describe("jfrog-usage (in process)", () => {
  let sim: Simulator;
  const clock = new ManualClock("2026-12-03T12:00:00Z");
  const cacheDir = tempDir();
  beforeAll(async () => {
    sim = await startSimulator({
      clock,
      tokens: [SECRET_TOKEN, { token: "no-view-token", viewUsage: false }],
      rateLimits: "off",
    });
  });
  afterAll(() => sim.close());
  const env = (extra: NodeJS.ProcessEnv = {}) => ({
    MYJFROG_URL: sim.url,
    MYJFROG_TOKEN: SECRET_TOKEN,
    JFROG_USAGE_CACHE_DIR: cacheDir,
    ...extra,
  });

  it("export: writes the documented file and prints its path (exit 0)", async () => {
    const dir = tempDir();
    const c = capture(env(), dir, clock);
    const code = await main(
      [
        "export",
        "--period",
        "previous-month",
        "--group-by",
        "repository,action",
        "--filter",
        "server_name=acme",
        "--out",
        "exports",
      ],
      c.io,
    );
    expect(code).toBe(0);
    expect(c.out()).toBe(`${join(dir, "exports", "JFrog-data-transfer-20261101-20261201.csv")}\n`);
    expect(readdirSync(join(dir, "exports"))).toEqual([
      "JFrog-data-transfer-20261101-20261201.csv",
    ]);
    expect(sim.requests.at(-1)?.path).toContain(
      "filter_by[server_name]=acme&group_by=action&group_by=repository",
    );
  });

  it("export --verbose: shows the request and timing, never the token", async () => {
    const c = capture(env(), tempDir(), clock);
    expect(
      await main(["--verbose", "export", "--start", "2026-11-01", "--end", "2026-11-08"], c.io),
    ).toBe(0);
    expect(c.err()).toMatch(
      /GET \/api\/usage\/v1\/export\/traffic\?format=csv&start_date=2026-11-01/,
    );
    expect(c.err()).toMatch(/HTTP 200 after \d+ ms/);
    expect(c.err()).not.toContain(SECRET_TOKEN);
  });

  it.each([
    [{ MYJFROG_TOKEN: "" }, 3, /No MyJFrog token: set MYJFROG_TOKEN/],
    [{ MYJFROG_TOKEN: "wrong" }, 3, /401 Unauthorized/],
    [{ MYJFROG_TOKEN: "no-view-token" }, 3, /needs the view_usage permission/],
    [{ MYJFROG_URL: "http://example.com" }, 2, /plain http is refused/],
  ])("export with %j exits %i", async (extra, code, message) => {
    const c = capture(env(extra), tempDir(), clock);
    expect(await main(["export", "--start", "2026-11-01", "--end", "2026-11-02"], c.io)).toBe(code);
    expect(c.err()).toMatch(message);
    expect(c.err()).not.toContain(SECRET_TOKEN);
  });

  it("export: exit 4 when rate limited past the wait budget, naming the next slot", async () => {
    sim.injectFault({ kind: "429", retryAfterSeconds: 3600 });
    const c = capture(env({ JFROG_USAGE_CACHE_DIR: tempDir() }), tempDir(), clock);
    expect(await main(["export", "--start", "2026-11-01", "--end", "2026-11-02"], c.io)).toBe(4);
    expect(c.err()).toMatch(
      /^jfrog-usage: Rate limited .*next request may be sent at 2026-12-03T13:00:00.000Z/,
    );
  });

  it("export: exit 5 on a persistent server error, after retrying (progress on stderr)", async () => {
    sim.injectFault({ kind: "status", status: 500, times: 4 });
    const c = capture(
      env({ JFROG_USAGE_CACHE_DIR: tempDir() }),
      tempDir(),
      new ManualClock("2026-12-03T12:00:00Z"),
    );
    expect(await main(["export", "--start", "2026-11-01", "--end", "2026-11-02"], c.io)).toBe(5);
    expect(c.err().match(/attempt \d failed \(HTTP 500\); retrying in \d+s/g)).toHaveLength(3);
    expect(c.err()).toMatch(/failed with HTTP 500 after 4 attempt\(s\)/);
  });

  it("export: exit 2 with every problem in the flags at once, and nothing sent", async () => {
    const before = sim.requests.length;
    const c = capture(env(), tempDir(), clock);
    const code = await main(
      [
        "export",
        "--start",
        "2026-02-30",
        "--end",
        "2026-11-02",
        "--limit",
        "x",
        "--group-by",
        "colour",
        "--filter",
        "nokey",
      ],
      c.io,
    );
    expect(code).toBe(2);
    expect(c.err()).toBe(
      "jfrog-usage: The command line has 4 problems:\n" +
        '  - --filter: "nokey" must be KEY=VALUE, e.g. --filter server_name=acme\n' +
        '  - --limit: "x" must be a whole number from 1 to 1999\n' +
        '  - --group-by: unknown key "colour"; valid keys are action, artifact_path, ip, package_type, project, repo_type, repository, server_name, service, username\n' +
        '  - --start: "2026-02-30" is not a date; write YYYY-MM-DD, e.g. 2026-01-01\n',
    );
    expect(sim.requests.length).toBe(before);
  });

  it("export: exit 2 for an unknown flag or a bad --partition", async () => {
    const c = capture(env(), tempDir(), clock);
    expect(await main(["export", "--bogus"], c.io)).toBe(2);
    expect(c.err()).toMatch(/unknown option '--bogus'/);
    expect(await main(["export", "--partition", "week", "--period", "month-to-date"], c.io)).toBe(
      2,
    );
    expect(await main(["export", "--period", "fortnight"], c.io)).toBe(2);
    expect(c.err()).toMatch(/--period: "fortnight" is not one of/);
  });

  it("report: a table and exact JSON from files on disk, without a token", async () => {
    const dir = tempDir();
    const file = join(dir, "a.csv");
    writeFileSync(
      file,
      "billing_timestamp,repository,consumption_unit,quantity\n2026-11-01T00:00:00Z,npm,bytes,1500000000\n2026-11-01T00:00:00Z,docker,bytes,500000000\n2026-11-02T00:00:00Z,docker,bytes,9007199254740993\n",
    );
    const t = capture({}, dir, clock);
    expect(await main(["report", "a.csv"], t.io)).toBe(0);
    expect(t.out()).toMatch(
      /^Total: 9.01 PB \(9007201254740993 bytes\) over 2 partition\(s\), 2026-11-01 \.\. 2026-11-02\n/,
    );
    expect(t.out()).toMatch(/│ docker +│ +9.01 PB │ +100.0% │/);
    const j = capture({}, dir, clock);
    expect(await main(["report", "a.csv", "--format", "json"], j.io)).toBe(0);
    const text = j.out();
    expect(text).toContain('"totalBytes": 9007201254740993');
    expect(text).toContain('"bytes": 9007199254740993');
    expect(JSON.parse(text).groups.map((g: { key: object }) => g.key)).toEqual([
      { repository: "docker" },
      { repository: "npm" },
    ]);
  });

  it("report: Markdown and SVG, and --top bounds the table", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "a.csv"),
      "billing_timestamp,repository,quantity\n2026-11-01,npm,3000\n2026-11-01,=cmd,2000\n2026-11-02,docker,1000\n",
    );
    const md = capture({}, dir, clock);
    expect(await main(["report", "a.csv", "--format", "markdown"], md.io)).toBe(0);
    expect(md.out()).toContain("| '=cmd | 2 kB | 33.3% |");
    const svg = capture({}, dir, clock);
    expect(await main(["report", "a.csv", "--format", "svg"], svg.io)).toBe(0);
    expect(svg.out()).toMatch(/^<svg [^>]+>[\s\S]*6 kB used so far[\s\S]*<\/svg>\n$/);
    const top = capture({}, dir, clock);
    expect(await main(["report", "a.csv", "--top", "1"], top.io)).toBe(0);
    expect(top.out()).toContain("... and 2 more group(s): 3 kB (50.0%)");
    const bad = capture({}, dir, clock);
    expect(await main(["report", "a.csv", "--top", "0"], bad.io)).toBe(2);
    expect(bad.err()).toMatch(/--top: "0" must be a whole number of at least 1/);
  });

  it("report: exit 2 for an unreadable or foreign CSV, naming what it saw", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "x.csv"), "name,age\nbob,3\n");
    const c = capture({}, dir, clock);
    expect(await main(["report", "x.csv"], c.io)).toBe(2);
    expect(c.err()).toMatch(
      /x\.csv:1: not a usage export: needs a timestamp column .* saw headers: "name", "age"/,
    );
    expect(await main(["report", "nope.csv"], c.io)).toBe(2);
    expect(await main(["report", "x.csv", "--group-by", "colour"], c.io)).toBe(2);
  });
});

/** The first line a child prints on stdout (simulate prints its URL there). */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      if (buf.includes("\n")) resolve(buf.split("\n")[0]);
    });
    child.once("exit", (code: number | null) => reject(new Error(`simulate exited ${code}`)));
  });
}

describe("jfrog-usage (the built binary)", () => {
  const bin = builtModule("src/cli/bin");

  it("simulate prints its URL first; export and report run against it end to end", async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [bin, "simulate", "--today", "2026-12-03", "--token", SECRET_TOKEN],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const url = await firstLine(child);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const env = {
        ...process.env,
        MYJFROG_URL: url,
        MYJFROG_TOKEN: SECRET_TOKEN,
        JFROG_USAGE_CACHE_DIR: join(dir, "cache"),
      };
      const exp = spawnSync(
        process.execPath,
        [
          bin,
          "export",
          "--start",
          "2026-11-01",
          "--end",
          "2026-12-01",
          "--group-by",
          "repository",
          "--out",
          dir,
        ],
        { env, encoding: "utf8" },
      );
      expect(exp.status).toBe(0);
      const path = exp.stdout.trim();
      expect(path).toBe(join(dir, "JFrog-data-transfer-20261101-20261201.csv"));
      const rep = spawnSync(process.execPath, [bin, "report", path, "--format", "json"], {
        encoding: "utf8",
      });
      expect(rep.status).toBe(0);
      const json = JSON.parse(rep.stdout);
      expect(json.groups).toHaveLength(12);
      expect(json.partitions).toHaveLength(30);
      const bad = spawnSync(
        process.execPath,
        [bin, "export", "--start", "2026-11-01", "--end", "2026-12-01"],
        { env: { ...env, MYJFROG_TOKEN: "nope" }, encoding: "utf8" },
      );
      expect(bad.status).toBe(3);
      expect(readFileSync(path, "utf8")).not.toContain(SECRET_TOKEN);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("simulate --token-without-view: that token gets 403, the default token still works", async () => {
    const child = spawn(
      process.execPath,
      [bin, "simulate", "--rate-limits", "off", "--token-without-view", "nv"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const url = await firstLine(child);
      const path =
        "/api/usage/v1/export/traffic?format=csv&start_date=2026-11-01&non_inclusive_end_date=2026-11-02";
      const status = async (token: string) =>
        (await fetch(url + path, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await status("nv")).toBe(403);
      expect(await status("sim-token")).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("exits 2 on a bad simulate flag", () => {
    const r = spawnSync(process.execPath, [bin, "simulate", "--today", "someday"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--today: "someday" must be YYYY-MM-DD/);
  });
});
