/**
 * `npm start`: the example stack end to end. Without MYJFROG_URL it starts the built-in
 * simulator and points the example at it; with MYJFROG_URL and a token it uses JFrog. It
 * resolves usage, synthesizes (what `cdktf synth` runs: cdktf.json's app), prints the
 * verdict and what `terraform plan` would do, and where every artifact was written.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { runExample } from "../main";
import { DEFAULT_SIMULATOR_TOKEN, startSimulator } from "../src/simulator/server";

async function main(): Promise<number> {
  let stop: (() => Promise<void>) | undefined;
  if (!process.env.MYJFROG_URL) {
    const sim = await startSimulator({ rateLimits: "real" });
    stop = () => sim.close();
    process.env.MYJFROG_URL = sim.url;
    process.env.MYJFROG_TOKEN = DEFAULT_SIMULATOR_TOKEN;
    // The simulator is new each run: keep its rate-limit ledger apart from JFrog's.
    process.env.JFROG_USAGE_CACHE_DIR ??= mkdtempSync(join(tmpdir(), "jfrog-usage-sim-"));
    process.stderr.write(
      `npm start: no MYJFROG_URL set, so using the built-in simulator at ${sim.url}\n`,
    );
  } else {
    process.stderr.write(`npm start: using ${process.env.MYJFROG_URL}\n`);
  }
  try {
    const outdir = "cdktf.out";
    const { budget } = await runExample({ outdir });
    const tf = join(outdir, "stacks", "prod", "cdk.tf.json");
    const verdict = budget.result;
    const lines: string[] = [""];
    if (verdict) {
      const failing = verdict.limits.filter((l) => !l.ok && l.level === "fail");
      if (failing.length) {
        lines.push(
          `terraform plan would stop here: ${failing.length} precondition(s) of null_resource.${budget.terraformName}_gate fail:`,
        );
        for (const l of failing) lines.push(`  - ${l.id}: ${l.summary}`);
        lines.push(
          `  (an operator can override a limit with -var ${budget.terraformName}_${failing[0].id}_max=BYTES)`,
        );
      } else {
        lines.push("terraform plan would pass the budget gate.");
      }
    }
    lines.push("", "written:");
    for (const a of verdict?.artifacts ?? []) lines.push(`  ${a}`);
    if (existsSync(tf)) {
      lines.push(
        `  ${relative(process.cwd(), tf)} (${JSON.parse(readFileSync(tf, "utf8")).resource ? "with the gate" : "no resources"})`,
      );
    }
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  } finally {
    await stop?.();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`npm start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = (e as { exitCode?: number }).exitCode ?? 5;
  },
);
