import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManualClock } from "../../src/clock";
import { main } from "../../src/cli/main";
import { Simulator, startSimulator } from "../../src/simulator/server";
import { SECRET_TOKEN, captureIo, tempDir } from "../helpers";

const clock = new ManualClock("2026-12-03T12:00:00Z");
function run(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const c = captureIo(env, cwd, clock);
  return main(args, c.io).then((code) => ({ code, out: c.out(), err: c.err() }));
}

describe("jfrog-usage check against the simulator", () => {
  let sim: Simulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    sim = await startSimulator({ clock, tokens: [SECRET_TOKEN], rateLimits: "off" });
  });
  beforeEach(() => {
    dir = tempDir();
    env = {
      MYJFROG_URL: sim.url,
      MYJFROG_TOKEN: SECRET_TOKEN,
      JFROG_USAGE_CACHE_DIR: join(dir, "cache"),
    };
  });
  afterAll(() => sim.close());

  const spec = (
    limits: object[],
    report: object = { period: "month-to-date", groupBy: ["repository", "action"] },
  ) => {
    writeFileSync(join(dir, "budget.json"), JSON.stringify({ name: "transfer", report, limits }));
    return join(dir, "budget.json");
  };

  it("within budget: exit 0, the verdict on stdout, the CSV, Markdown and SVG side by side", async () => {
    const r = await run(
      [
        "check",
        "--spec",
        spec([{ max: "2 TB" }, { max: "400 GB", per: "repository" }]),
        "--out",
        "out",
      ],
      env,
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^WITHIN BUDGET — transfer: \d+(\.\d+)? GB from 2026-12-01 to 2026-12-04/,
    );
    expect(readdirSync(join(dir, "out")).sort()).toEqual([
      "JFrog-data-transfer-20261201-20261204.csv",
      "transfer-JFrog-data-transfer-20261201-20261204.md",
      "transfer-JFrog-data-transfer-20261201-20261204.svg",
      "transfer-JFrog-data-transfer-20261201-20261204.verdict.json",
    ]);
    const md = readFileSync(
      join(dir, "out", "transfer-JFrog-data-transfer-20261201-20261204.md"),
      "utf8",
    );
    expect(md).toMatch(/^### ✅ Within budget: transfer/);
  });

  it("a fail breach: exit 1 and the offenders named", async () => {
    const r = await run(["check", "--spec", spec([{ max: "10 GB", per: "repository" }])], env, dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^BUDGET EXCEEDED/);
    expect(r.out).toMatch(
      /FAIL per_repository: per repository: \d+ of 12 over 10 GB: docker-prod-local/,
    );
  });

  it("a warn breach: printed, exit 0", async () => {
    const r = await run(
      ["check", "--spec", spec([{ max: "1 GB", level: "warn" }]), "--format", "markdown"],
      env,
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^### ⚠️ Within budget, with warnings/);
  });

  it("the query flags with --max and --per, and JSON output", async () => {
    const r = await run(
      [
        "check",
        "--period",
        "previous-month",
        "--group-by",
        "repository",
        "--max",
        "100 TB",
        "--per",
        "repository",
        "--format",
        "json",
      ],
      env,
      dir,
    );
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out);
    expect(v).toMatchObject({
      schema: "jfrog-usage/verdict@1",
      status: "ok",
      period: { startDate: "2026-11-01", endDate: "2026-12-01" },
    });
    expect(v.limits[0]).toMatchObject({ id: "per_repository", groups: 12, unit: "bytes" });
  });

  it("--verbose shows the plan, and a second check the same hour comes from the cache", async () => {
    const s = spec([{ max: "2 TB" }]);
    const first = await run(["--verbose", "check", "--spec", s], env, dir);
    expect(first.err).toMatch(
      /plan: 2026-12-01\.\.2026-12-04 group_by=action,repository \(fetched\)\n.*1 request\(s\) to JFrog/,
    );
    const second = await run(["--verbose", "check", "--spec", s], env, dir);
    expect(second.err).toMatch(
      /plan: 2026-12-01\.\.2026-12-04 group_by=action,repository \(cache\)\n.*0 request\(s\) to JFrog/,
    );
    expect(second.code).toBe(first.code);
  });

  it("a growth limit fetches the previous period too (two requests)", async () => {
    const before = sim.requests.length;
    const r = await run(
      [
        "check",
        "--spec",
        spec([{ maxGrowth: "1000%" }], { period: "previous-month" }),
        "--format",
        "json",
      ],
      env,
      dir,
    );
    expect(r.code).toBe(0);
    expect(
      sim.requests
        .slice(before)
        .map((q) => q.path.match(/start_date=([\d-]+)&non_inclusive_end_date=([\d-]+)/)?.slice(1)),
    ).toEqual([
      ["2026-11-01", "2026-12-01"],
      ["2026-10-02", "2026-11-01"],
    ]);
  });

  it("offline from --csv: no token, the dates from the data", async () => {
    await run(
      ["export", "--start", "2026-11-01", "--end", "2026-11-08", "--group-by", "repository"],
      env,
      dir,
    );
    const r = await run(
      [
        "check",
        "--csv",
        "JFrog-data-transfer-20261101-20261108.csv",
        "--max",
        "1 TB",
        "--format",
        "json",
      ],
      {},
      dir,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).period).toMatchObject({
      startDate: "2026-11-01",
      endDate: "2026-11-08",
    });
  });

  it.each([
    [
      ["check", "--max", "2 TB"],
      /give --start YYYY-MM-DD and --end YYYY-MM-DD, or --period month-to-date/,
    ],
    [["check", "--period", "month-to-date"], /--max: give a limit such as --max "2 TB"/],
    [["check", "--period", "month-to-date", "--max", "2 TBs"], /is not a size/],
    [["check", "--spec", "nope.json"], /--spec: cannot read/],
  ])("%j", async (args, message) => {
    const r = await run(args, env, dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it("--per adds its key to the export when --group-by does not name it", async () => {
    const r = await run(
      ["check", "--period", "month-to-date", "--max", "1 TB", "--per", "repository"],
      env,
      dir,
    );
    expect(r.code).toBe(0);
    expect(sim.requests.at(-1)?.path).toContain("group_by=repository");
  });

  it("exit 3 for a rejected token; with --on-api-error warn it passes and says why", async () => {
    const bad = { ...env, MYJFROG_TOKEN: "wrong" };
    const s = spec([{ max: "2 TB" }]);
    expect((await run(["check", "--spec", s], bad, dir)).code).toBe(3);
    const warned = await run(["check", "--spec", s, "--on-api-error", "warn"], bad, dir);
    expect(warned.code).toBe(0);
    expect(warned.err).toMatch(
      /WARNING: the budget could not be checked, and onApiError is "warn", so this passes: MyJFrog rejected the token \(401/,
    );
  });

  it("exit 4 when rate limited past the wait budget, exit 5 on server errors", async () => {
    sim.injectFault({ kind: "429", retryAfterSeconds: 7200 });
    expect((await run(["check", "--spec", spec([{ max: "2 TB" }])], env, dir)).code).toBe(4);
    sim.injectFault({ kind: "status", status: 502, times: 4 });
    const r = await run(
      ["check", "--spec", spec([{ max: "2 TB" }])],
      { ...env, JFROG_USAGE_CACHE_DIR: join(dir, "c2") },
      dir,
    );
    expect(r.code).toBe(5);
    expect(r.err).not.toContain(SECRET_TOKEN);
  });
});
