/**
 * A consumer project that installed the packed package synthesizes stacks against the
 * simulator; then the apply-time provisioner's exact command runs with `sh -c` in the
 * stack's folder, with its environment and the token, as Terraform would run it.
 */
import { execFileSync, spawn } from "node:child_process";
import {
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from "node:fs";
import { join } from "node:path";
import { Simulator, startSimulator } from "../../src/simulator/server";
import { SECRET_TOKEN, listFiles, tempDir } from "../helpers";

const ROOT = join(__dirname, "..", "..");
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sim: Simulator;
let consumer: string;

/** `npm pack`, unpacked into a fresh project's node_modules; its dependencies linked from ours (no network). */
function installPackedPackage(): string {
  const dir = tempDir("jfu-consumer-");
  const packs = tempDir("jfu-pack-");
  const tgz = execFileSync("npm", ["pack", "--silent", "--pack-destination", packs], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop() as string;
  const target = join(dir, "node_modules", "cdktf-jfrog-usage");
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", join(packs, tgz), "-C", target, "--strip-components=1"]);
  for (const name of readdirSync(join(ROOT, "node_modules"))) {
    if (name.startsWith(".") || name === "cdktf-jfrog-usage") continue;
    symlinkSync(join(ROOT, "node_modules", name), join(dir, "node_modules", name));
  }
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "infra", private: true, dependencies: { "cdktf-jfrog-usage": "*" } }),
  );
  return dir;
}

const planApp = `
const { App, TerraformStack } = require("cdktf");
const { Resource } = require("@cdktf/provider-null/lib/resource");
const { UsageReport, UsageBudget, UsagePeriod, resolveUsage } = require("cdktf-jfrog-usage");

(async () => {
  const app = new App();
  const stack = new TerraformStack(app, "prod");
  const transfer = new UsageReport(stack, "transfer", {
    period: UsagePeriod.monthToDate(),          // or { startDate, endDate }, lastDays(30), previousMonth()
    partitionBy: "day",
    filterBy: { server_name: ["acme"] },
    groupBy: ["repository", "action"],
  });
  const budget = new UsageBudget(stack, "transfer-budget", {
    report: transfer,
    limits: [
      { max: "2 TB" },                                   // the whole report
      { max: "400 GB", per: "repository" },              // every group
      { max: "1.5 TB", where: { action: ["download"] }, level: "warn" },
      { max: "2 TB", forecast: "period-end" },           // linear projection to the period's end
    ],
  });
  new Resource(stack, "release");
  budget.guard(stack);            // every other resource in the stack depends on the gate
  await resolveUsage(app);        // plans, fetches (cache, rate limits) and fills in every report
  app.synth();
})().catch((e) => { console.error(e.message); process.exitCode = e.exitCode || 5; });
`;

const applyApp = `
const { App, TerraformStack } = require("cdktf");
const { Resource } = require("@cdktf/provider-null/lib/resource");
const { UsageReport, UsageBudget, UsagePeriod, resolveUsage } = require("cdktf-jfrog-usage");

(async () => {
  const app = new App();
  const stack = new TerraformStack(app, "prod");
  const transfer = new UsageReport(stack, "transfer", { period: UsagePeriod.monthToDate(), groupBy: ["repository"] });
  new UsageBudget(stack, "gate", { report: transfer, limits: [{ max: process.env.BUDGET_MAX }], evaluateAt: "apply" }).guard(stack);
  new Resource(stack, "release");
  await resolveUsage(app);
  app.synth();
})().catch((e) => { console.error(e.message); process.exitCode = e.exitCode || 5; });
`;

beforeAll(async () => {
  sim = await startSimulator({ tokens: [SECRET_TOKEN], rateLimits: "off" });
  consumer = installPackedPackage();
  writeFileSync(join(consumer, "plan.js"), planApp);
  writeFileSync(join(consumer, "apply.js"), applyApp);
}, 120_000);
afterAll(() => sim.close());

/** Runs a process without blocking this one (the simulator answers from this process). */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function synthIn(script: string, env: NodeJS.ProcessEnv) {
  const r = await run(process.execPath, [script], consumer, {
    PATH: process.env.PATH,
    HOME: consumer,
    ...env,
  });
  const file = join(consumer, "cdktf.out", "stacks", "prod", "cdk.tf.json");
  return {
    ...r,
    json: existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Json) : undefined,
  };
}

const jfrogEnv = () => ({
  MYJFROG_URL: sim.url,
  MYJFROG_TOKEN: SECRET_TOKEN,
  JFROG_USAGE_CACHE_DIR: join(consumer, ".cache"),
});

describe("a consumer project with the packed package", () => {
  it("synthesizes the design's declaration as written, gating at plan time", async () => {
    const r = await synthIn("plan.js", jfrogEnv());
    expect(r.stderr).toMatch(/jfrog-usage: 1 report\(s\), 1 budget\(s\), 1 request\(s\) to JFrog/);
    expect(r.status).toBe(0);
    const pre = r.json?.resource.null_resource.transfer_budget_gate.lifecycle
      .precondition as Json[];
    expect(pre).toHaveLength(3);
    expect(r.json?.resource.null_resource.release.depends_on).toEqual([
      "${null_resource.transfer_budget_gate}",
    ]);
    expect(JSON.stringify(r.json)).not.toContain(SECRET_TOKEN);
  });

  describe("the apply-time gate, run exactly as the provisioner would", () => {
    async function gate(budgetMax: string) {
      const s = await synthIn("apply.js", { ...jfrogEnv(), BUDGET_MAX: budgetMax });
      expect(s.status).toBe(0);
      const prov = s.json?.resource.null_resource.gate_gate.provisioner[0]["local-exec"];
      const stackDir = join(consumer, "cdktf.out", "stacks", "prod");
      // Terraform runs local-exec with /bin/sh -c in its working directory, adding `environment`.
      const result = await run("sh", ["-c", prov.command], stackDir, {
        PATH: process.env.PATH,
        HOME: consumer,
        ...prov.environment,
        ...jfrogEnv(),
      });
      return { run: result, stackDir, command: prov.command as string };
    }

    it("exits 1 on a breach, printing the verdict and writing the CSV and reports in the stack's folder", async () => {
      const { run: r, stackDir } = await gate("1 GB");
      expect(r.stderr).toBe("");
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^BUDGET EXCEEDED — gate: /);
      const written = readdirSync(join(stackDir, "jfrog-usage", "gate")).sort();
      expect(written.some((f) => /^JFrog-data-transfer-\d{8}-\d{8}\.csv$/.test(f))).toBe(true);
      expect(written.some((f) => f.endsWith(".svg"))).toBe(true);
      expect(written.some((f) => f.endsWith(".md"))).toBe(true);
      for (const f of listFiles(stackDir))
        expect(readFileSync(f, "utf8")).not.toContain(SECRET_TOKEN);
      expect(r.stdout + r.stderr).not.toContain(SECRET_TOKEN);
    });

    it("exits 0 within budget", async () => {
      const { run: r } = await gate("100 TB");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^WITHIN BUDGET — gate: /);
    });

    it("exits 3 without a token, saying how to give one", async () => {
      const s = await synthIn("apply.js", { ...jfrogEnv(), BUDGET_MAX: "1 TB" });
      const prov = s.json?.resource.null_resource.gate_gate.provisioner[0]["local-exec"];
      const r = await run(
        "sh",
        ["-c", prov.command],
        join(consumer, "cdktf.out", "stacks", "prod"),
        {
          PATH: process.env.PATH,
          HOME: consumer,
          ...prov.environment,
          MYJFROG_URL: sim.url,
        },
      );
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/No MyJFrog token: set MYJFROG_TOKEN/);
    });
  });
});
