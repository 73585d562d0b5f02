import { App, TerraformAsset, AssetType, TerraformStack } from "cdktf";
import { join, relative, resolve } from "node:path";
import { ClientEvent, ExportClient, ExportClientOptions } from "../api/client";
import { ExportCache } from "../cache/export-cache";
import { normalizeQuery } from "../query/query";
import { readUsageCsv } from "../table/read-csv";
import { writeFileAtomic } from "../artifacts/atomic";
import { Verdict } from "../budget/evaluate";
import { formatBytes } from "../budget/units";
import { evaluateFetched } from "../check/run-check";
import { FetchedReport, defaultExportCache, fetchReport } from "../check/fetch-report";
import { isApiError } from "../errors";
import { progressReporter } from "../render/progress";
import { Clock, systemClock } from "../clock";
import { gateCommand } from "../handler/gate";
import { renderVerdictText } from "../render/verdict-text";
import { queryOf, specToJson } from "../spec/spec";
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
  /** The export cache; `false` turns it off. @default `<JFROG_USAGE_CACHE_DIR>/exports` */
  readonly cache?: ExportCache | false;
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
    writeFileAtomic(staged, specToJson(b.spec) + "\n");
    const asset = new TerraformAsset(b, "spec", { path: staged, type: AssetType.FILE });
    b.fillCommand(gateCommand(asset.path, join("jfrog-usage", b.terraformName)));
  }

  // Plan-time: fetch each report once; reports that differ only in grouping share one request.
  const needed = reports.filter((r) => {
    const users = budgets.filter((b) => b.report === r);
    return users.length === 0 || users.some((b) => b.evaluateAt === "plan");
  });
  const cache =
    options.cache === false
      ? undefined
      : (options.cache ?? defaultExportCache({ client: options.client }));
  let client: ExportClient | undefined;
  // One client (one limiter, one connection) for every request; never built for a report that
  // reads files, which needs no token.
  const common = (offline = false) => {
    if (!offline) client ??= new ExportClient({ clock, onEvent, ...options.client });
    return {
      clock,
      client: options.client,
      onEvent,
      cache: cache ?? (false as const),
      exportClient: client,
    };
  };
  const usersOf = (r: UsageReport) =>
    budgets.filter((b) => b.report === r && b.evaluateAt === "plan");
  const withPrevious = (r: UsageReport) =>
    usersOf(r).some((b) => b.limits.some((l) => l.maxGrowth !== undefined));
  const outDirOf = (r: UsageReport) => join(base, TerraformStack.of(r).node.id, r.terraformName);
  const fetched = new Map<UsageReport, FetchedReport | Error>();
  const plan: string[] = [];

  const groups = new Map<string, UsageReport[]>();
  for (const r of needed) {
    const q = normalizeQuery(queryOf(r.spec, clock.now()));
    const key = r.fromFiles?.length
      ? `files:${r.node.path}`
      : JSON.stringify([
          q.filterBy,
          q.partitionBy,
          q.partitionGroupLimit,
          q.startDate,
          q.endDate,
          withPrevious(r),
        ]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }

  const describe = (names: string, f: FetchedReport) =>
    f.windows.length === 0
      ? `  plan: ${names} ← ${f.csvFiles.map(rel).join(", ")} (files)\n`
      : f.windows
          .map(
            (w) =>
              `  plan: ${names} ← ${w.startDate}..${w.endDate} group_by=${w.groupBy.join(",") || "(none)"}` +
              ` ${w.fromCache ? "(cache)" : "(fetched)"}\n`,
          )
          .join("");

  const fetchOne = async (r: UsageReport): Promise<void> => {
    const data = await fetchReport(r.spec, {
      outDir: outDirOf(r),
      csvFiles: r.fromFiles?.map((f) => resolve(f)),
      withPrevious: withPrevious(r),
      ...common(Boolean(r.fromFiles?.length)),
    });
    requests += data.requests;
    plan.push(describe(r.node.path, data));
    r.fill(data, data.csvFiles.map(rel));
    fetched.set(r, data);
  };

  for (const group of groups.values()) {
    try {
      if (group.length === 1) {
        await fetchOne(group[0]);
        continue;
      }
      const union = [...new Set(group.flatMap((r) => r.spec.groupBy ?? []))];
      const shared = await fetchReport(group[0].spec, {
        outDir: outDirOf(group[0]),
        withPrevious: withPrevious(group[0]),
        fetchGroupBy: union,
        ...common(),
      });
      requests += shared.requests;
      if (shared.table.maxRowsPerPartition >= shared.query.partitionGroupLimit) {
        // A partition hit the group limit with the union of the groupings: not exact. Ask separately.
        plan.push(
          `  plan: ${group.map((r) => r.node.path).join(", ")}: the shared export hit the group limit; asking separately\n`,
        );
        for (const r of group) await fetchOne(r);
        continue;
      }
      plan.push(describe(group.map((r) => r.node.path).join(" + "), shared));
      for (const r of group) {
        const groupBy = normalizeQuery({ ...shared.query, groupBy: r.spec.groupBy }).groupBy;
        const table = await readUsageCsv(shared.csvFiles, { groupBy });
        const previous = shared.previousCsvFiles?.length
          ? await readUsageCsv(shared.previousCsvFiles, { groupBy })
          : undefined;
        const data: FetchedReport = {
          ...shared,
          query: { ...shared.query, groupBy },
          table,
          previous,
        };
        r.fill(data, data.csvFiles.map(rel));
        fetched.set(r, data);
      }
    } catch (e) {
      if (!isApiError(e)) throw e;
      for (const r of group) {
        const users = usersOf(r);
        if (users.length === 0 || users.some((b) => b.onApiError === "fail")) throw e;
        fetched.set(r, e);
      }
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
  for (const line of plan) log(line);
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
