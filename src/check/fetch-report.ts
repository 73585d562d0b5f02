/**
 * One report's data: its query on the day, fetched (or read from files), as a table, plus
 * the previous period's table when a growth limit needs it.
 */
import { ClientEvent, ExportClient, ExportClientOptions } from "../api/client";
import { Clock, systemClock } from "../clock";
import { exportFileName } from "../query/constraints";
import { addDays, addMonths, daysBetween } from "../query/dates";
import { NormalizedQuery, validateQuery } from "../query/query";
import { ReportSpec, queryOf } from "../spec/spec";
import { readUsageCsv } from "../table/read-csv";
import { UsageTable, partitionTotals } from "../table/usage-table";

export interface FetchReportOptions {
  /** Where fetched CSVs are written. */
  readonly outDir: string;
  /** Read these exports instead of fetching (no token needed). */
  readonly csvFiles?: readonly string[];
  /** With `csvFiles`: the previous period's exports, for growth limits. */
  readonly previousCsvFiles?: readonly string[];
  /** Also fetch the previous period of the same length. */
  readonly withPrevious?: boolean;
  /** With `csvFiles`: take the dates from the files' partitions. */
  readonly periodFromData?: boolean;
  readonly clock?: Clock;
  readonly client?: ExportClientOptions;
  readonly onEvent?: (e: ClientEvent) => void;
}

export interface FetchedReport {
  readonly query: NormalizedQuery;
  /** The end of the period the dates belong to (for forecasts). */
  readonly periodEnd: string;
  readonly table: UsageTable;
  readonly csvFiles: readonly string[];
  readonly previous?: UsageTable;
  /** HTTP attempts made (0 when reading files). */
  readonly requests: number;
}

export async function fetchReport(
  report: ReportSpec,
  options: FetchReportOptions,
): Promise<FetchedReport> {
  const clock = options.clock ?? systemClock;
  const now = clock.now();
  const planned = queryOf(report, now);
  const offline = Boolean(options.csvFiles?.length);
  let query = validateQuery(
    planned,
    offline ? { now, horizon: false, singleRequest: false } : { now },
  );
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

  const csvFiles = offline ? [...(options.csvFiles ?? [])] : [await fetch(query)];
  let previous: UsageTable | undefined;
  if (options.withPrevious) {
    const days = daysBetween(query.startDate, query.endDate);
    const prevQuery = validateQuery(
      { ...query, startDate: addDays(query.startDate, -days), endDate: query.startDate },
      { now },
    );
    const prevFiles = offline ? [...(options.previousCsvFiles ?? [])] : [await fetch(prevQuery)];
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
  return { query, periodEnd, table, csvFiles, previous, requests };
}
