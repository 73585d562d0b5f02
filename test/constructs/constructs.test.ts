import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManualClock } from "../../src/clock";
import { AuthenticationError, InvalidQueryError } from "../../src/errors";
import { UsagePeriod } from "../../src/query/period";
import { Simulator, startSimulator } from "../../src/simulator/server";
import { parseSpec } from "../../src/spec/spec";
import { readUsageCsv } from "../../src/table/read-csv";
import { UsageBudget, UsageReport, resolveUsage, ResolveUsageOptions } from "../../src/constructs";
import { SECRET_TOKEN, listFiles, tempDir } from "../helpers";
import { terraformViolations } from "./terraform-rules";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const clock = new ManualClock("2026-12-03T12:00:00Z");
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ clock, tokens: [SECRET_TOKEN], rateLimits: "off" });
});
afterAll(() => sim.close());

function stack() {
  const outdir = tempDir("jfu-synth-");
  const app = new App({ outdir });
  return { app, stack: new TerraformStack(app, "prod"), outdir };
}
const resolveOpts = (
  log: string[] = [],
  extra: Partial<ResolveUsageOptions> = {},
): ResolveUsageOptions => ({
  clock,
  client: {
    baseUrl: sim.url,
    token: SECRET_TOKEN,
    limiter: false,
    cacheDir: tempDir("jfu-cache-"),
  },
  log: (t) => log.push(t),
  ...extra,
});
function synth(app: App, outdir: string): { json: Json; text: string; files: string[] } {
  app.synth();
  const file = join(outdir, "stacks", "prod", "cdk.tf.json");
  const text = readFileSync(file, "utf8");
  return { json: JSON.parse(text), text, files: listFiles(outdir) };
}

/** Every string in the synthesized JSON that looks like an absolute path of this machine. */
function absolutePaths(json: Json): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === "string") {
      if (
        /(^|[\s:,"'=(])\/(tmp|work|root|home|Users|var|private)\//.test(v) ||
        v.includes(process.cwd())
      )
        found.push(`${path}: ${v}`);
    } else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  const { terraform, ...rest } = json;
  walk({ ...rest, terraform: { ...terraform, backend: undefined } }, "");
  return found;
}

describe("GIVEN the design's declaration, evaluated at plan time", () => {
  let json: Json;
  let text: string;
  let files: string[];
  let log: string[];
  let report: UsageReport;
  beforeAll(async () => {
    const s = stack();
    report = new UsageReport(s.stack, "transfer", {
      period: UsagePeriod.monthToDate(),
      partitionBy: "day",
      filterBy: { server_name: ["acme", "acme-eu", "acme-ci"] },
      groupBy: ["repository", "action"],
    });
    const budget = new UsageBudget(s.stack, "transfer-budget", {
      report,
      limits: [
        { max: "2 TB" },
        { max: "10 GB", per: "repository" },
        { max: "1.5 TB", where: { action: ["download"] }, level: "warn" },
        { max: "2 TB", forecast: "period-end" },
      ],
    });
    new NullResource(s.stack, "app");
    budget.guard(s.stack);
    log = [];
    await resolveUsage(s.app, resolveOpts(log));
    ({ json, text, files } = synth(s.app, s.outdir));
  });

  it("holds the synthesized JSON to Terraform's rules", () => {
    expect(terraformViolations(json)).toEqual([]);
  });

  it("declares one variable per limit, defaulting to the limit in bytes", () => {
    expect(json.variable.transfer_budget_total_max).toMatchObject({
      type: "number",
      default: 2e12,
    });
    expect(json.variable.transfer_budget_per_repository_max.default).toBe(10e9);
    expect(json.variable.transfer_budget_action_download_max.default).toBe(1.5e12);
    expect(json.variable.transfer_budget_forecast_max.default).toBe(2e12);
  });

  it("measures what the simulator serves: the locals equal an independent read of the CSV", async () => {
    const csv = join(process.cwd(), json.output.transfer_csv.value);
    const t = await readUsageCsv(csv);
    expect(json.locals.transfer_budget_total_measured).toBe(Number(t.totalBytes));
    expect(json.output.transfer_total_bytes.value).toBe(Number(t.totalBytes));
    const groups = JSON.parse(json.output.transfer_groups.value) as { bytes: number }[];
    expect(groups.reduce((s, g) => s + g.bytes, 0)).toBe(Number(t.totalBytes));
    // 2.5 days elapsed of a 31-day month
    expect(json.locals.transfer_budget_forecast_measured).toBe(
      Math.floor((Number(t.totalBytes) * 31) / 2.5),
    );
  });

  it("puts one precondition per fail limit on the gate, each referencing its local and variable", () => {
    const pre = json.resource.null_resource.transfer_budget_gate.lifecycle.precondition as Json[];
    expect(pre.map((p) => p.condition)).toEqual([
      "${local.transfer_budget_total_measured <= var.transfer_budget_total_max}",
      "${local.transfer_budget_per_repository_measured <= var.transfer_budget_per_repository_max}",
      "${local.transfer_budget_forecast_measured <= var.transfer_budget_forecast_max}",
    ]);
    const perRepo = pre[1].error_message as string;
    expect(perRepo).toMatch(
      /^JFrog usage budget transfer_budget exceeded, limit per_repository \(per repository\): measured [\d.]+ GB \(\d+ bytes\)/,
    );
    expect(perRepo).toMatch(
      /Top offenders: docker-prod-local [\d.]+ GB, docker-remote [\d.]+ GB, .*and \d+ more\./,
    );
    expect(perRepo).toMatch(/Data: .*JFrog-data-transfer-20261201-20261204\.csv\./);
    expect(perRepo).toMatch(
      /Limit: \$\{var\.transfer_budget_per_repository_max\} bytes \(raise it in an emergency with -var or TF_VAR_transfer_budget_per_repository_max\)\.$/,
    );
  });

  it("turns the warn limit into a check block, not a precondition", () => {
    expect(json.check.transfer_budget_action_download.assert[0].condition).toBe(
      "${local.transfer_budget_action_download_measured <= var.transfer_budget_action_download_max}",
    );
    expect(JSON.stringify(json.resource.null_resource.transfer_budget_gate)).not.toContain(
      "action_download",
    );
  });

  it("adds the report's outputs and the budget's status", () => {
    expect(Object.keys(json.output).sort()).toEqual([
      "transfer_budget_status",
      "transfer_csv",
      "transfer_groups",
      "transfer_total",
      "transfer_total_bytes",
    ]);
    expect(json.output.transfer_total.value).toMatch(/^\d+(\.\d+)? GB$/);
    expect(json.output.transfer_budget_status.value).toBe("fail");
  });

  it("guards every other resource with the gate", () => {
    expect(json.resource.null_resource.app.depends_on).toEqual([
      "${null_resource.transfer_budget_gate}",
    ]);
    expect(json.resource.null_resource.transfer_budget_gate.depends_on).toBeUndefined();
  });

  it("never writes the token or an absolute path of this machine", () => {
    expect(text).not.toContain(SECRET_TOKEN);
    expect(absolutePaths(json)).toEqual([]);
    for (const f of files) expect(readFileSync(f, "utf8")).not.toContain(SECRET_TOKEN);
  });

  it("prints one summary of all verdicts", () => {
    const out = log.join("");
    expect(out).toMatch(/^jfrog-usage: 1 report\(s\), 1 budget\(s\), 1 request\(s\) to JFrog\n/);
    expect(out).toMatch(/BUDGET EXCEEDED — transfer_budget/);
    expect(out).toMatch(/FAIL per_repository: per repository: \d+ of 12 over 10 GB/);
    expect(report.totalBytes).toBeGreaterThan(0n);
  });
});

describe("construction errors: every problem at once, naming the prop", () => {
  it("a bad report", () => {
    const { stack: s } = stack();
    let e: InvalidQueryError | undefined;
    try {
      new UsageReport(s, "r", {
        period: { startDate: "2026-13-01", endDate: "2026-12-01" },
        partitionGroupLimit: 0,
        groupBy: ["repo" as "repository"],
      });
    } catch (x) {
      e = x as InvalidQueryError;
    }
    expect(e?.message).toBe(
      'UsageReport "prod/r" has 3 problems:\n' +
        '  - period.startDate: "2026-13-01" is not a date; write YYYY-MM-DD, e.g. 2026-01-01\n' +
        "  - partitionGroupLimit: 0 must be a whole number from 1 to 1999\n" +
        '  - groupBy: unknown key "repo"; valid keys are action, artifact_path, ip, package_type, project, repo_type, repository, server_name, service, username',
    );
  });
  it("a budget whose limits cannot be evaluated on its report", () => {
    const { stack: s } = stack();
    const report = new UsageReport(s, "r", { groupBy: ["repository"] });
    expect(
      () =>
        new UsageBudget(s, "b", {
          report,
          limits: [{ max: "2 TB", per: "username" }, { max: "lots" }],
          evaluateAt: "later" as "plan",
        }),
    ).toThrow(
      /UsageBudget "prod\/b" has 3 problems:\n {2}- limits\[0\]: per "username" needs the report grouped by username.*\n {2}- limits\[1\]: max "lots" is not a size.*\n {2}- evaluateAt: must be "plan" or "apply"/,
    );
  });
  it("skips values that are still tokens", () => {
    const { stack: s } = stack();
    const start = new TerraformVariable(s, "start", { type: "string" });
    expect(
      () =>
        new UsageReport(s, "r", {
          period: { startDate: start.stringValue, endDate: "2026-12-01" },
        }),
    ).not.toThrow();
  });
  it("synth before resolveUsage says what to do", () => {
    const { app, stack: s } = stack();
    new UsageBudget(s, "b", { report: new UsageReport(s, "r"), limits: [{ max: "2 TB" }] });
    expect(() => app.synth()).toThrow(/call await resolveUsage\(app\) before app.synth\(\)/);
  });
});

describe("one report, several budgets", () => {
  it("is fetched once", async () => {
    const { app, stack: s, outdir } = stack();
    const report = new UsageReport(s, "r", { groupBy: ["repository"] });
    new UsageBudget(s, "a", { report, limits: [{ max: "2 TB" }] });
    new UsageBudget(s, "b", {
      report,
      limits: [{ max: "1 TB", per: "repository", level: "warn" }],
    });
    const before = sim.requests.length;
    const result = await resolveUsage(app, resolveOpts());
    expect(sim.requests.length - before).toBe(1);
    expect(result.budgets.map((b) => b.verdict?.status)).toEqual(["ok", "ok"]);
    expect(terraformViolations(synth(app, outdir).json)).toEqual([]);
  });
});

describe("onApiError", () => {
  it('"fail" (the default): resolveUsage fails with the API error', async () => {
    const { app, stack: s } = stack();
    new UsageBudget(s, "b", { report: new UsageReport(s, "r"), limits: [{ max: "2 TB" }] });
    await expect(
      resolveUsage(
        app,
        resolveOpts([], {
          client: { baseUrl: sim.url, token: "wrong", limiter: false, cacheDir: tempDir() },
        }),
      ),
    ).rejects.toThrow(AuthenticationError);
  });
  it('"warn": no preconditions, and a check block says the budget was not checked and why', async () => {
    const { app, stack: s, outdir } = stack();
    new UsageBudget(s, "b", {
      report: new UsageReport(s, "r"),
      limits: [{ max: "2 TB" }],
      onApiError: "warn",
    });
    const log: string[] = [];
    await resolveUsage(
      app,
      resolveOpts(log, {
        client: { baseUrl: sim.url, token: "wrong", limiter: false, cacheDir: tempDir() },
      }),
    );
    const { json } = synth(app, outdir);
    expect(json.resource.null_resource.b_gate.lifecycle.precondition).toEqual([]);
    expect(json.locals.b_usage_available).toBe(false);
    expect(json.check.b_usage_available.assert[0].error_message).toMatch(
      /^Budget b was not checked: MyJFrog rejected the token \(401/,
    );
    expect(json.output.b_status.value).toBe("unchecked");
    expect(log.join("")).toMatch(/budget prod\/b: NOT CHECKED \(onApiError "warn"\)/);
    expect(terraformViolations(json)).toEqual([]);
  });
});

describe("GIVEN evaluateAt: apply", () => {
  let json: Json;
  let outdir: string;
  beforeAll(async () => {
    const s = stack();
    outdir = s.outdir;
    const report = new UsageReport(s.stack, "transfer", {
      period: UsagePeriod.monthToDate(),
      groupBy: ["repository"],
    });
    new UsageBudget(s.stack, "gate", {
      report,
      limits: [{ max: "2 TB" }, { max: "400 GB", per: "repository" }],
      evaluateAt: "apply",
    }).guard();
    new NullResource(s.stack, "app");
    const before = sim.requests.length;
    await resolveUsage(s.app, resolveOpts());
    expect(sim.requests.length).toBe(before);
    ({ json } = synth(s.app, s.outdir));
  });

  it("runs the gate on every apply through a local-exec provisioner, with relative paths only", () => {
    const gate = json.resource.null_resource.gate_gate;
    expect(gate.triggers).toEqual({ always: "${timestamp()}" });
    const [prov] = gate.provisioner;
    expect(Object.keys(prov)).toEqual(["local-exec"]);
    expect(prov["local-exec"].command).toMatch(
      /^node -e "require\('cdktf-jfrog-usage\/lib\/src\/handler\/bin'\)" -- --spec 'assets\/[^']+\/gate\.json' --out 'jfrog-usage\/gate'$/,
    );
    expect(prov["local-exec"].environment).toEqual({ JFROG_USAGE_BUDGET: "prod/gate" });
    expect(json.resource.null_resource.app.depends_on).toEqual(["${null_resource.gate_gate}"]);
    expect(absolutePaths(json)).toEqual([]);
    expect(terraformViolations(json)).toEqual([]);
  });

  it("ships the spec as an asset in the stack's folder: no secrets, readable by the gate", () => {
    const cmd = json.resource.null_resource.gate_gate.provisioner[0]["local-exec"]
      .command as string;
    const rel = /--spec '([^']+)'/.exec(cmd)?.[1] as string;
    const specText = readFileSync(join(outdir, "stacks", "prod", rel), "utf8");
    expect(specText).not.toContain(SECRET_TOKEN);
    expect(specText).not.toMatch(/token/i);
    const spec = parseSpec(JSON.parse(specText), "asset", clock.now());
    expect(spec.report.period.toJSON()).toEqual({ kind: "monthToDate" });
    expect(spec.limits).toEqual([{ max: "2 TB" }, { max: "400 GB", per: "repository" }]);
    expect(readdirSync(join(outdir, "stacks", "prod", "assets")).length).toBe(1);
  });
});

describe("coalescing and the cache in resolveUsage", () => {
  it("answers reports that differ only in grouping with one request, re-aggregated exactly per report", async () => {
    const { app, stack: s } = stack();
    const byRepo = new UsageReport(s, "by-repo", {
      period: UsagePeriod.previousMonth(),
      groupBy: ["repository"],
    });
    const byAction = new UsageReport(s, "by-action", {
      period: UsagePeriod.previousMonth(),
      groupBy: ["action"],
    });
    const total = new UsageReport(s, "total", { period: UsagePeriod.previousMonth() });
    const before = sim.requests.length;
    const log: string[] = [];
    await resolveUsage(app, resolveOpts(log));
    expect(sim.requests.length - before).toBe(1);
    expect(sim.requests.at(-1)?.path).toContain("group_by=action&group_by=repository");
    expect(byRepo.totalBytes).toBe(total.totalBytes);
    expect(byAction.groupTotals.map((g) => g.key)).toEqual([
      { action: "download" },
      { action: "upload" },
    ]);
    expect(byRepo.groupTotals).toHaveLength(12);
    expect(log.join("")).toMatch(
      /plan: prod\/by-repo \+ prod\/by-action \+ prod\/total ← 2026-11-01\.\.2026-12-01 group_by=action,repository \(fetched\)/,
    );
  });

  it("falls back to separate requests when the shared export hits the group limit", async () => {
    const { app, stack: s } = stack();
    const a = new UsageReport(s, "a", {
      period: UsagePeriod.previousMonth(),
      groupBy: ["repository"],
      partitionGroupLimit: 12,
    });
    new UsageReport(s, "b", {
      period: UsagePeriod.previousMonth(),
      groupBy: ["action"],
      partitionGroupLimit: 12,
    });
    const before = sim.requests.length;
    const log: string[] = [];
    await resolveUsage(app, resolveOpts(log));
    expect(sim.requests.length - before).toBe(3);
    expect(log.join("")).toMatch(/the shared export hit the group limit; asking separately/);
    expect(a.groupTotals).toHaveLength(12);
  });

  it("a second synth the same day is answered by the cache: zero requests", async () => {
    const cacheDir = tempDir("jfu-cache-");
    const run = async () => {
      const { app, stack: s } = stack();
      const r = new UsageReport(s, "r", {
        period: UsagePeriod.lastDays(400),
        groupBy: ["repository"],
      });
      new UsageBudget(s, "b", { report: r, limits: [{ max: "100 TB" }] });
      const log: string[] = [];
      const result = await resolveUsage(
        app,
        resolveOpts(log, {
          client: { baseUrl: sim.url, token: SECRET_TOKEN, limiter: false, cacheDir },
        }),
      );
      return { result, log: log.join(""), total: r.totalBytes };
    };
    const cold = await run();
    expect(cold.result.requests).toBe(5); // 2025-10-29..2026-12-03 on the quarter grid
    const warm = await run();
    expect(warm.result.requests).toBe(0);
    expect(warm.total).toBe(cold.total);
    expect(warm.log.match(/\(cache\)/g)).toHaveLength(5);
  });
});

describe("a report read from files (fromFiles)", () => {
  it("needs no token and makes no request", async () => {
    const dir = tempDir();
    const csv = join(dir, "pinned.csv");
    writeFileSync(
      csv,
      "billing_timestamp,repository,quantity\n2026-11-01,npm,5000000000\n2026-11-02,docker,1000000000\n",
    );
    const { app, stack: s, outdir } = stack();
    const r = new UsageReport(s, "pinned", {
      period: UsagePeriod.previousMonth(),
      groupBy: ["repository"],
      fromFiles: [csv],
    });
    new UsageBudget(s, "b", { report: r, limits: [{ max: "5 GB", per: "repository" }] });
    const before = sim.requests.length;
    const log: string[] = [];
    await resolveUsage(app, {
      clock,
      log: (t) => log.push(t),
      client: { env: {}, cacheDir: tempDir() },
    });
    expect(sim.requests.length).toBe(before);
    expect(r.totalBytes).toBe(6_000_000_000n);
    expect(log.join("")).toMatch(/plan: prod\/pinned ← .*pinned\.csv \(files\)/);
    expect(synth(app, outdir).json.output.b_status.value).toBe("ok");
  });
});
