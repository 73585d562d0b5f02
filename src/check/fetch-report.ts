/**
 * One report's data: its query on the day, split into the windows one request may cover,
 * each served from the cache or fetched (and kept), or read from files; merged into a table;
 * plus the previous period's table when a growth limit needs it.
 */
import { join } from "node:path";
import { ClientEvent, ExportClient, ExportClientOptions } from "../api/client";
import { defaultCacheDir } from "../api/paths";
import { exportWindows } from "../cache/cached-export";
import { ExportCache } from "../cache/export-cache";
import { RedisExportCache } from "../cache/redis-cache";
import { Clock, systemClock } from "../clock";
import { UsageKey } from "../query/constraints";
import { addDays, addMonths, daysBetween } from "../query/dates";
import { NormalizedQuery, normalizeQuery, validateQuery } from "../query/query";
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
  /** Ask with these group keys (a superset of the report's, when coalescing). @default the report's */
  readonly fetchGroupBy?: readonly UsageKey[];
  /** The export cache; `false` turns it off. @default `<cache dir>/exports` */
  readonly cache?: ExportCache | false;
  /** A client to reuse (one limiter, one connection). @default one built from `client` */
  readonly exportClient?: ExportClient;
  readonly clock?: Clock;
  readonly client?: ExportClientOptions;
  readonly onEvent?: (e: ClientEvent) => void;
}

/** One line of the request plan: a window, and whether it came from the cache. */
export interface PlannedWindow {
  readonly startDate: string;
  readonly endDate: string;
  readonly groupBy: readonly UsageKey[];
  readonly fromCache: boolean;
  readonly file: string;
}

export interface FetchedReport {
  readonly query: NormalizedQuery;
  /** The end of the period the dates belong to (for forecasts). */
  readonly periodEnd: string;
  readonly table: UsageTable;
  readonly csvFiles: readonly string[];
  readonly previous?: UsageTable;
  readonly previousCsvFiles?: readonly string[];
  /** HTTP attempts made (0 when reading files or all from cache). */
  readonly requests: number;
  readonly windows: readonly PlannedWindow[];
}

/** `<cache dir>/exports`, shared through Redis too when JFROG_USAGE_REDIS_URL is set. */
export function defaultExportCache(options: Pick<FetchReportOptions, "client">): ExportCache {
  const env = options.client?.env ?? process.env;
  return new ExportCache({
    dir: join(options.client?.cacheDir ?? defaultCacheDir(env), "exports"),
    shared: env.JFROG_USAGE_REDIS_URL
      ? new RedisExportCache({ url: env.JFROG_USAGE_REDIS_URL })
      : undefined,
  });
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
    offline ? { now, horizon: false, singleRequest: false } : { now, singleRequest: false },
  );
  let requests = 0;
  let client = options.exportClient;
  const cache =
    options.cache === false ? undefined : (options.cache ?? defaultExportCache(options));
  const windows: PlannedWindow[] = [];
  const fetchAll = async (q: NormalizedQuery): Promise<string[]> => {
    client ??= new ExportClient({ clock, onEvent: options.onEvent, ...options.client });
    const asked = options.fetchGroupBy
      ? normalizeQuery({ ...q, groupBy: options.fetchGroupBy })
      : q;
    const results = await exportWindows(client, cache, asked, options.outDir, clock);
    for (const r of results) {
      requests += r.attempts;
      const w = r.query;
      windows.push({
        startDate: w.startDate,
        endDate: w.endDate,
        groupBy: w.groupBy,
        fromCache: r.fromCache,
        file: r.path,
      });
    }
    return results.map((r) => r.path);
  };

  const csvFiles = offline ? [...(options.csvFiles ?? [])] : await fetchAll(query);
  let previous: UsageTable | undefined;
  let previousCsvFiles: string[] | undefined;
  if (options.withPrevious) {
    const days = daysBetween(query.startDate, query.endDate);
    const prevQuery = validateQuery(
      { ...query, startDate: addDays(query.startDate, -days), endDate: query.startDate },
      { now, singleRequest: false },
    );
    previousCsvFiles = offline ? [...(options.previousCsvFiles ?? [])] : await fetchAll(prevQuery);
    if (previousCsvFiles.length)
      previous = await readUsageCsv(previousCsvFiles, { groupBy: query.groupBy });
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
  return { query, periodEnd, table, csvFiles, previous, previousCsvFiles, requests, windows };
}
