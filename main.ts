/**
 * The example app: a production stack whose deployment is gated on JFrog data transfer.
 * `npm start` runs it against the built-in simulator (or JFrog, when MYJFROG_URL is set).
 */
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { App, TerraformStack } from "cdktf";
import { ResolveUsageOptions, UsageBudget, UsagePeriod, UsageReport, resolveUsage } from "./src";

export interface ExampleApp {
  readonly app: App;
  readonly report: UsageReport;
  readonly budget: UsageBudget;
}

/** Declares the example exactly as a user would. */
export function declareExample(outdir?: string): ExampleApp {
  const app = new App(outdir ? { outdir } : {});
  const stack = new TerraformStack(app, "prod");
  const report = new UsageReport(stack, "transfer", {
    period: UsagePeriod.monthToDate(),
    partitionBy: "day",
    groupBy: ["repository", "action"],
  });
  const budget = new UsageBudget(stack, "transfer-budget", {
    report,
    limits: [
      { max: "2 TB", description: "what we pay for each month" },
      { max: "400 GB", per: "repository" },
      { max: "1.5 TB", where: { action: ["download"] }, level: "warn" },
      { max: "2 TB", forecast: "period-end", id: "month_end" },
    ],
  });
  // A stand-in for the resources this stack deploys; the gate holds it back on a breach.
  new NullResource(stack, "release", { triggers: { version: "2026.12.0" } });
  budget.guard(stack);
  return { app, report, budget };
}

export async function runExample(
  options: ResolveUsageOptions & { outdir?: string } = {},
): Promise<ExampleApp> {
  const example = declareExample(options.outdir);
  await resolveUsage(example.app, options);
  example.app.synth();
  return example;
}

if (require.main === module) {
  runExample().catch((e: unknown) => {
    process.stderr.write(`jfrog-usage: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = (e as { exitCode?: number }).exitCode ?? 5;
  });
}
