import { InvalidQueryError } from "../errors";
import {
  ACTION_VALUES,
  CONSTRAINTS,
  Partition,
  UsageKey,
  USAGE_KEYS,
  isPartition,
  isUsageKey,
} from "./constraints";
import { addDays, addMonths, dateMs, daysBetween, parseIsoDate, utcDay } from "./dates";

/** Filters: key → the values to keep (several values of one key are OR-ed). */
export type UsageFilter = { readonly [K in UsageKey]?: readonly string[] };

/** One request to the usage export endpoint, with concrete dates. */
export interface UsageQuery {
  /** First day reported (`YYYY-MM-DD`, UTC, inclusive). */
  readonly startDate: string;
  /** Day after the last day reported (`YYYY-MM-DD`, UTC, exclusive). */
  readonly endDate: string;
  /** Granularity of the rows. @default "day" */
  readonly partitionBy?: Partition;
  /** At most this many group rows per partition (1..1999). @default 1999 */
  readonly partitionGroupLimit?: number;
  /** Keep only rows whose key has one of the values. @default no filter */
  readonly filterBy?: UsageFilter;
  /** Report one row per combination of these keys. @default no grouping (totals) */
  readonly groupBy?: readonly UsageKey[];
}

/** A query with every default applied and keys and values in a canonical order. */
export interface NormalizedQuery {
  readonly scenario: "traffic";
  readonly startDate: string;
  readonly endDate: string;
  readonly partitionBy: Partition;
  readonly partitionGroupLimit: number;
  readonly filterBy: UsageFilter;
  readonly groupBy: readonly UsageKey[];
}

export interface ValidateOptions {
  /** "Now", for the 558-day horizon and future dates. */
  readonly now?: number;
  /**
   * When true (the default) the range must fit one request (3 months by day, 12 by month).
   * A planner that splits long periods into windows validates with `false`.
   */
  readonly singleRequest?: boolean;
  /**
   * When true (the default) the 558-day horizon and future ends are checked. Reading files
   * exported earlier turns it off.
   */
  readonly horizon?: boolean;
}

const byKeyOrder = (a: string, b: string) =>
  USAGE_KEYS.indexOf(a as UsageKey) - USAGE_KEYS.indexOf(b as UsageKey);

/** Applies defaults and sorts keys and values, so equal questions compare equal. */
export function normalizeQuery(q: UsageQuery): NormalizedQuery {
  const filterBy: Record<string, readonly string[]> = {};
  for (const key of Object.keys(q.filterBy ?? {}).sort(byKeyOrder)) {
    const values = (q.filterBy as Record<string, readonly string[] | undefined>)[key];
    if (values !== undefined) filterBy[key] = [...new Set(values)].sort();
  }
  return {
    scenario: "traffic",
    startDate: q.startDate,
    endDate: q.endDate,
    partitionBy: q.partitionBy ?? "day",
    partitionGroupLimit: q.partitionGroupLimit ?? CONSTRAINTS.defaultGroupLimit,
    filterBy: filterBy as UsageFilter,
    groupBy: [...new Set(q.groupBy ?? [])].sort(byKeyOrder),
  };
}

/**
 * Every rule the query breaks, each naming the parameter and the rule; empty when valid.
 * Values that are not plain strings or numbers (for example unresolved CDKTF tokens) are
 * the caller's to skip.
 */
export function queryProblems(q: UsageQuery, options: ValidateOptions = {}): string[] {
  const problems: string[] = [];
  const now = options.now ?? Date.now();
  const today = utcDay(now);
  const singleRequest = options.singleRequest ?? true;

  const start = typeof q.startDate === "string" ? parseIsoDate(q.startDate) : undefined;
  const end = typeof q.endDate === "string" ? parseIsoDate(q.endDate) : undefined;
  if (start === undefined) {
    problems.push(
      `startDate: "${String(q.startDate)}" is not a date; write YYYY-MM-DD, e.g. 2026-01-01`,
    );
  }
  if (end === undefined) {
    problems.push(
      `endDate: "${String(q.endDate)}" is not a date; write YYYY-MM-DD (exclusive end), e.g. 2026-02-01`,
    );
  }

  const partition = q.partitionBy ?? "day";
  if (!isPartition(partition)) {
    problems.push(`partitionBy: "${String(partition)}" is not one of day, month`);
  }

  if (start !== undefined && end !== undefined) {
    if (end <= start) {
      problems.push(
        `endDate: ${q.endDate} must be after startDate ${q.startDate} (the end is exclusive: ` +
          `for one day write ${q.startDate} to ${addDays(q.startDate, 1)})`,
      );
    } else {
      if (singleRequest && isPartition(partition)) {
        const months = CONSTRAINTS.maxSpanMonths[partition];
        const latestEnd = addMonths(q.startDate, months);
        if (end > dateMs(latestEnd)) {
          problems.push(
            `endDate: a ${partition}-partitioned export may span at most ${months} months ` +
              `(from ${q.startDate}, end by ${latestEnd}); split the range or partition by month`,
          );
        }
      }
      const span = daysBetween(q.startDate, q.endDate);
      const coarse = new Set<string>([
        ...(q.groupBy ?? []).filter((k) => CONSTRAINTS.coarseKeys.includes(k)),
        ...Object.keys(q.filterBy ?? {}).filter((k) =>
          CONSTRAINTS.coarseKeys.includes(k as UsageKey),
        ),
      ]);
      if (coarse.size > 0 && span < CONSTRAINTS.coarseKeyMinDays) {
        problems.push(
          `${[...coarse].join(", ")}: filtering or grouping by ${[...coarse].join(" or ")} needs a range ` +
            `of at least ${CONSTRAINTS.coarseKeyMinDays} days (this one spans ${span})`,
        );
      }
    }
    const earliest = addDays(today, -CONSTRAINTS.maxHistoryDays);
    const horizon = options.horizon ?? true;
    if (horizon && start < dateMs(earliest)) {
      problems.push(
        `startDate: ${q.startDate} is older than the ${CONSTRAINTS.maxHistoryDays} days the endpoint keeps ` +
          `(the earliest today is ${earliest})`,
      );
    }
    const latest = addDays(today, CONSTRAINTS.maxEndDaysAfterToday);
    if (horizon && end > dateMs(latest)) {
      problems.push(
        `endDate: ${q.endDate} is in the future (the latest exclusive end today is ${latest})`,
      );
    }
  }

  const limit = q.partitionGroupLimit;
  if (limit !== undefined) {
    const { min, max } = CONSTRAINTS.groupLimit;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < min || limit > max) {
      problems.push(
        `partitionGroupLimit: ${String(limit)} must be a whole number from ${min} to ${max}`,
      );
    }
  }

  for (const [key, values] of Object.entries(q.filterBy ?? {})) {
    if (!isUsageKey(key)) {
      problems.push(`filterBy: unknown key "${key}"; valid keys are ${USAGE_KEYS.join(", ")}`);
      continue;
    }
    if (!Array.isArray(values) || values.length === 0) {
      problems.push(`filterBy.${key}: give at least one value (or leave the key out to keep all)`);
      continue;
    }
    for (const v of values as unknown[]) {
      if (typeof v !== "string" || v.trim() === "") {
        problems.push(
          `filterBy.${key}: values must be non-empty strings, got ${JSON.stringify(v)}`,
        );
      } else if (key === "action" && !(ACTION_VALUES as readonly string[]).includes(v)) {
        problems.push(`filterBy.action: "${v}" is not one of ${ACTION_VALUES.join(", ")}`);
      }
    }
  }
  for (const key of q.groupBy ?? []) {
    if (!isUsageKey(key)) {
      problems.push(
        `groupBy: unknown key "${String(key)}"; valid keys are ${USAGE_KEYS.join(", ")}`,
      );
    }
  }
  return problems;
}

/** Throws an `InvalidQueryError` listing every problem; returns the normalized query. */
export function validateQuery(q: UsageQuery, options: ValidateOptions = {}): NormalizedQuery {
  const problems = queryProblems(q, options);
  if (problems.length > 0) throw new InvalidQueryError(problems);
  return normalizeQuery(q);
}

/**
 * The exact query string of the request: repeated `filter_by[KEY]=VALUE` and `group_by=KEY`,
 * values percent-encoded, brackets literal (as in JFrog's own sample).
 */
export function encodeQuery(q: NormalizedQuery): string {
  const enc = encodeURIComponent;
  const parts = [
    `format=${CONSTRAINTS.format}`,
    `start_date=${q.startDate}`,
    `non_inclusive_end_date=${q.endDate}`,
    `partition_by=${q.partitionBy}`,
    `partition_group_limit=${q.partitionGroupLimit}`,
  ];
  for (const [key, values] of Object.entries(q.filterBy)) {
    for (const v of values as readonly string[]) parts.push(`filter_by[${key}]=${enc(v)}`);
  }
  for (const key of q.groupBy) parts.push(`group_by=${key}`);
  return parts.join("&");
}

/** The path and query of the request. */
export function requestPath(q: NormalizedQuery): string {
  return `/api/usage/v1/export/${q.scenario}?${encodeQuery(q)}`;
}
