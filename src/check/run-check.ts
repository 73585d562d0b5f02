/**
 * The pipeline behind `jfrog-usage check` and the apply-time handler:
 * spec → fetched report → verdict → reports next to the CSV.
 */
import { basename, dirname } from "node:path";
import { writeVerdictReports, WrittenReports } from "../artifacts/reports";
import { Verdict, evaluateBudget } from "../budget/evaluate";
import { systemClock } from "../clock";
import { NormalizedQuery } from "../query/query";
import { BudgetSpec } from "../spec/spec";
import { UsageTable } from "../table/usage-table";
import { FetchReportOptions, FetchedReport, PlannedWindow, fetchReport } from "./fetch-report";

export interface RunCheckOptions extends Omit<FetchReportOptions, "withPrevious"> {
  /** Write the Markdown, SVG and JSON reports. @default true */
  readonly writeReports?: boolean;
}

export interface CheckResult {
  readonly verdict: Verdict;
  readonly table: UsageTable;
  readonly query: NormalizedQuery;
  readonly csvFiles: readonly string[];
  readonly reports?: WrittenReports;
  /** HTTP attempts made (0 when reading files). */
  readonly requests: number;
  /** The request plan: each window, and whether it came from the cache. */
  readonly windows: readonly PlannedWindow[];
}

/** Evaluates a spec against a fetched report and writes the reports next to the CSV. */
export function evaluateFetched(
  spec: BudgetSpec,
  fetched: FetchedReport,
  options: { readonly now: number; readonly reportsDir?: string; readonly writeReports?: boolean },
): Omit<CheckResult, "requests" | "windows"> {
  const { query, table, csvFiles } = fetched;
  const verdict = evaluateBudget(table, spec.limits, {
    period: { startDate: query.startDate, endDate: query.endDate, periodEnd: fetched.periodEnd },
    now: options.now,
    reportFilter: query.filterBy,
    partitionGroupLimit: query.partitionGroupLimit,
    previous: fetched.previous,
    name: spec.name,
    artifacts: csvFiles,
  });
  let reports: WrittenReports | undefined;
  if (options.writeReports ?? true) {
    const base = (spec.name ? `${spec.name}-` : "") + basename(csvFiles[0]).replace(/\.csv$/i, "");
    reports = writeVerdictReports(verdict, table, options.reportsDir ?? dirname(csvFiles[0]), base);
  }
  const withArtifacts = reports
    ? { ...verdict, artifacts: [...verdict.artifacts, reports.markdown, reports.svg] }
    : verdict;
  return { verdict: withArtifacts, table, query, csvFiles, reports };
}

/** Fetches (or reads), evaluates and writes the reports. Throws our errors only. */
export async function runCheck(spec: BudgetSpec, options: RunCheckOptions): Promise<CheckResult> {
  const clock = options.clock ?? systemClock;
  const fetched = await fetchReport(spec.report, {
    ...options,
    clock,
    withPrevious: spec.limits.some((l) => l.maxGrowth !== undefined),
  });
  const result = evaluateFetched(spec, fetched, {
    now: clock.now(),
    reportsDir: options.csvFiles?.length ? options.outDir : undefined,
    writeReports: options.writeReports,
  });
  return { ...result, requests: fetched.requests, windows: fetched.windows };
}
