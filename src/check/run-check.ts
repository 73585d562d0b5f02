/**
 * The one pipeline behind `jfrog-usage check`, the apply-time handler and `resolveUsage`:
 * spec → query → export (or files on disk) → table → verdict → reports next to the CSV.
 */
import { basename, dirname } from "node:path";
import { ClientEvent, ExportClient, ExportClientOptions } from "../api/client";
import { writeVerdictReports, WrittenReports } from "../artifacts/reports";
import { Verdict, evaluateBudget } from "../budget/evaluate";
import { Clock, systemClock } from "../clock";
import { exportFileName } from "../query/constraints";
import { addDays, addMonths, daysBetween } from "../query/dates";
import { NormalizedQuery, validateQuery } from "../query/query";
import { BudgetSpec, queryOf } from "../spec/spec";
import { readUsageCsv } from "../table/read-csv";
import { UsageTable, partitionTotals } from "../table/usage-table";

export interface RunCheckOptions {
  /** Where the CSV and the reports go. */
  readonly outDir: string;
  /** Read these exports instead of fetching (no token needed). */
  readonly csvFiles?: readonly string[];
  /** For `maxGrowth` with `csvFiles`: the previous period's exports. */
  readonly previousCsvFiles?: readonly string[];
  readonly clock?: Clock;
  /** How to reach JFrog (token, base URL, limiter...). */
  readonly client?: ExportClientOptions;
  readonly onEvent?: (e: ClientEvent) => void;
  /** Write the Markdown, SVG and JSON reports. @default true */
  readonly writeReports?: boolean;
  /** With `csvFiles`: take the dates from the files' first and last partitions. */
  readonly periodFromData?: boolean;
}

export interface CheckResult {
  readonly verdict: Verdict;
  readonly table: UsageTable;
  readonly query: NormalizedQuery;
  readonly csvFiles: readonly string[];
  readonly reports?: WrittenReports;
  /** HTTP attempts made (0 when reading files). */
  readonly requests: number;
}

/** Fetches (or reads), evaluates and writes the reports. Throws our errors only. */
export async function runCheck(spec: BudgetSpec, options: RunCheckOptions): Promise<CheckResult> {
  const clock = options.clock ?? systemClock;
  const now = clock.now();
  const planned = queryOf(spec.report, now);
  const offline = Boolean(options.csvFiles?.length);
  let query = validateQuery(
    planned,
    offline ? { now, horizon: false, singleRequest: false } : { now },
  );
  const needsPrevious = spec.limits.some((l) => l.maxGrowth !== undefined);
  let requests = 0;
  let client: ExportClient | undefined;
  const fetch = async (q: NormalizedQuery) => {
    client ??= new ExportClient({ clock, onEvent: options.onEvent, ...options.client });
    const r = await client.exportToFile(q, options.outDir, {
      fileName: exportFileName(q.startDate, q.endDate),
    });
    requests += r.attempts;
    return r.path;
  };

  const csvFiles = options.csvFiles?.length ? [...options.csvFiles] : [await fetch(query)];
  let previous: UsageTable | undefined;
  if (needsPrevious) {
    const days = daysBetween(query.startDate, query.endDate);
    const prevQuery = validateQuery(
      { ...query, startDate: addDays(query.startDate, -days), endDate: query.startDate },
      { now },
    );
    const prevFiles = options.csvFiles?.length
      ? [...(options.previousCsvFiles ?? [])]
      : [await fetch(prevQuery)];
    if (prevFiles.length) previous = await readUsageCsv(prevFiles, { groupBy: query.groupBy });
  }
  const table = await readUsageCsv(csvFiles, { groupBy: query.groupBy });
  let periodEnd = planned.periodEnd;
  if (offline && options.periodFromData) {
    const parts = partitionTotals(table);
    if (parts.length) {
      const last = parts[parts.length - 1].partition;
      const endDate = query.partitionBy === "month" ? addMonths(last, 1) : addDays(last, 1);
      query = { ...query, startDate: parts[0].partition, endDate };
      periodEnd = endDate;
    }
  }
  const verdict = evaluateBudget(table, spec.limits, {
    period: { startDate: query.startDate, endDate: query.endDate, periodEnd },
    now,
    reportFilter: query.filterBy,
    partitionGroupLimit: query.partitionGroupLimit,
    previous,
    name: spec.name,
    artifacts: csvFiles,
  });
  let reports: WrittenReports | undefined;
  if (options.writeReports ?? true) {
    const dir = options.csvFiles?.length ? options.outDir : dirname(csvFiles[0]);
    const base = (spec.name ? `${spec.name}-` : "") + basename(csvFiles[0]).replace(/\.csv$/i, "");
    reports = writeVerdictReports(verdict, table, dir, base);
  }
  const withArtifacts = reports
    ? { ...verdict, artifacts: [...verdict.artifacts, reports.markdown, reports.svg] }
    : verdict;
  return { verdict: withArtifacts, table, query, csvFiles, reports, requests };
}
