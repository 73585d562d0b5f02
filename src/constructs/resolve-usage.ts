import { App, TerraformAsset, AssetType, TerraformStack } from "cdktf";
import { mkdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ClientEvent, ExportClientOptions } from "../api/client";
import { writeFileAtomic } from "../artifacts/atomic";
import { Verdict } from "../budget/evaluate";
import { formatBytes } from "../budget/units";
import { evaluateFetched } from "../check/run-check";
import { FetchedReport, fetchReport } from "../check/fetch-report";
import { isApiError } from "../cli/check";
import { progressReporter } from "../cli/progress";
import { Clock, systemClock } from "../clock";
import { gateCommand } from "../handler/gate";
import { renderVerdictText } from "../render/verdict-text";
import { specToJson } from "../spec/spec";
import { UsageBudget } from "./usage-budget";
import { UsageReport } from "./usage-report";

export interface ResolveUsageOptions {
  /**
   * Where CSVs and reports are written, per stack and report.
   * @default "<app.outdir>/jfrog-usage"
   */
  readonly artifactsDir?: string;
  /** How to reach JFrog. @default MYJFROG_URL and MYJFROG_TOKEN from the environment */
  readonly client?: ExportClientOptions;
  readonly clock?: Clock;
  /** Where the summary and progress go. @default stderr */
  readonly log?: (text: string) => void;
  /** Print each request. @default false */
  readonly verbose?: boolean;
}

export interface ResolvedBudget {
  readonly budget: UsageBudget;
  readonly verdict?: Verdict;
  readonly apiError?: string;
  readonly reports?: { readonly markdown: string; readonly svg: string; readonly json: string };
}

export interface ResolveUsageResult {
  readonly reports: readonly UsageReport[];
  readonly budgets: readonly ResolvedBudget[];
  /** HTTP attempts made. */
  readonly requests: number;
}

const rel = (p: string) => relative(process.cwd(), p) || ".";

/**
 * Finds every `UsageReport` and `UsageBudget` under `app`, fetches each report that a plan-time
 * budget (or no budget) needs, once, evaluates every plan-time budget, writes the CSV, the
 * Markdown and the SVG, ships the spec of every apply-time budget as an asset, and prints one
 * summary. Call it after declaring the stacks and before `app.synth()`.
 */
export async function resolveUsage(
  app: App,
  options: ResolveUsageOptions = {},
): Promise<ResolveUsageResult> {
  const log = options.log ?? ((t: string) => process.stderr.write(t));
  const clock = options.clock ?? systemClock;
  const all = app.node.findAll();
  const reports = all.filter((c): c is UsageReport => c instanceof UsageReport);
  const budgets = all.filter((c): c is UsageBudget => c instanceof UsageBudget);
  const base = resolve(options.artifactsDir ?? join(app.outdir, "jfrog-usage"));
  const onEvent: (e: ClientEvent) => void = progressReporter(log, options.verbose ?? false);
  let requests = 0;

  // Apply-time budgets: ship the spec; nothing is fetched now.
  for (const b of budgets.filter((x) => x.evaluateAt === "apply")) {
    const stack = TerraformStack.of(b);
    const staged = join(base, ".specs", stack.node.id, `${b.terraformName}.json`);
    mkdirSync(join(base, ".specs"), { recursive: true });
    writeFileAtomic(staged, specToJson(b.spec) + "\n");
    const asset = new TerraformAsset(b, "spec", { path: staged, type: AssetType.FILE });
    b.fillCommand(gateCommand(asset.path, join("jfrog-usage", b.terraformName)));
  }

  // Plan-time: fetch each report once.
  const needed = reports.filter((r) => {
    const users = budgets.filter((b) => b.report === r);
    return users.length === 0 || users.some((b) => b.evaluateAt === "plan");
  });
  const fetched = new Map<UsageReport, FetchedReport | Error>();
  for (const r of needed) {
    const users = budgets.filter((b) => b.report === r && b.evaluateAt === "plan");
    const dir = join(base, TerraformStack.of(r).node.id, r.terraformName);
    try {
      const data = await fetchReport(r.spec, {
        outDir: dir,
        csvFiles: r.fromFiles?.map((f) => resolve(f)),
        withPrevious: users.some((b) => b.limits.some((l) => l.maxGrowth !== undefined)),
        clock,
        client: options.client,
        onEvent,
      });
      requests += data.requests;
      r.fill(data, data.csvFiles.map(rel));
      fetched.set(r, data);
    } catch (e) {
      if (!isApiError(e)) throw e;
      const failing = users.filter((b) => b.onApiError === "fail");
      if (failing.length || users.length === 0) throw e;
      fetched.set(r, e);
    }
  }

  const results: ResolvedBudget[] = [];
  for (const b of budgets) {
    if (b.evaluateAt === "apply") {
      results.push({ budget: b });
      continue;
    }
    const data = fetched.get(b.report);
    if (data instanceof Error || data === undefined) {
      const message = data instanceof Error ? data.message : "the report was not fetched";
      b.fillApiError(message);
      results.push({ budget: b, apiError: message });
      continue;
    }
    const dir = join(base, TerraformStack.of(b).node.id, b.report.terraformName);
    const { verdict, reports: files } = evaluateFetched(b.spec, data, {
      now: clock.now(),
      reportsDir: dir,
    });
    const relVerdict: Verdict = { ...verdict, artifacts: verdict.artifacts.map((a) => rel(a)) };
    b.fillVerdict(relVerdict);
    results.push({ budget: b, verdict: relVerdict, reports: files });
  }

  // One summary of everything.
  log(
    `jfrog-usage: ${reports.length} report(s), ${budgets.length} budget(s), ${requests} request(s) to JFrog\n`,
  );
  for (const r of reports) {
    if (r.isResolved)
      log(`  report ${r.node.path}: ${formatBytes(r.totalBytes)}, ${r.csvPaths.join(", ")}\n`);
    else log(`  report ${r.node.path}: measured at apply time\n`);
  }
  for (const res of results) {
    if (res.verdict) {
      log(renderVerdictText(res.verdict).replace(/^/gm, "  ").replace(/ +$/, ""));
    } else if (res.apiError) {
      log(`  budget ${res.budget.node.path}: NOT CHECKED (onApiError "warn"): ${res.apiError}\n`);
    } else {
      log(`  budget ${res.budget.node.path}: evaluated at apply time by its gate\n`);
    }
  }
  return { reports, budgets: results, requests };
}
