/**
 * Budgets as pure functions of usage tables: (table, limit) → result with the measured
 * value, the limit, the headroom or excess and the offending groups. No I/O.
 */
import { InvalidInputError } from "../errors";
import { UsageKey } from "../query/constraints";
import { DAY, dateMs } from "../query/dates";
import { UsageFilter } from "../query/query";
import { UsageRow, UsageTable } from "../table/usage-table";
import { BudgetLimit, LimitLevel, limitIds, limitProblems, parsePercent } from "./limit";
import { formatBytes, parseSize } from "./units";

export type VerdictStatus = "ok" | "warn" | "fail";

export interface Offender {
  /** The group ({ repository: "npm-remote" }); empty for the whole report. */
  readonly key: Readonly<Partial<Record<UsageKey, string>>>;
  /** Its measured value (bytes, or percent growth). */
  readonly value: number | bigint;
  /** How far over the limit it is (same unit). */
  readonly excess: number | bigint;
}

export interface LimitResult {
  readonly id: string;
  readonly description?: string;
  readonly level: LimitLevel;
  /** What was measured, in words: "total", "per repository", "forecast of action=download", ... */
  readonly scope: string;
  readonly unit: "bytes" | "percent";
  /** Passed (no group over the limit). */
  readonly ok: boolean;
  /** False when the limit passed on data that may undercount (a partition hit the group limit). */
  readonly trusted: boolean;
  /** The measured value; for `per`, the largest group's. */
  readonly measured: bigint | number;
  readonly limit: bigint | number;
  /** limit − measured: positive is headroom, negative is excess. */
  readonly headroom: bigint | number;
  /** Groups over the limit, largest first, at most ten. */
  readonly offenders: readonly Offender[];
  /** Groups over the limit that `offenders` leaves out. */
  readonly moreOffenders: number;
  /** Groups evaluated (1 without `per`). */
  readonly groups: number;
  /** How the value was computed, honestly (the projection, the comparison). */
  readonly method: string;
  /** One sentence a person can act on. */
  readonly summary: string;
}

export interface Verdict {
  readonly schema: "jfrog-usage/verdict@1";
  readonly name?: string;
  readonly status: VerdictStatus;
  readonly period: {
    readonly startDate: string;
    readonly endDate: string;
    readonly periodEnd: string;
    /** Data is complete up to this instant (now, or the end of the range if earlier). */
    readonly measuredUntil: string;
  };
  readonly totalBytes: bigint;
  /** Partitions that returned exactly partitionGroupLimit rows (may undercount), if any. */
  readonly truncated: {
    readonly partitionGroupLimit: number;
    readonly partitions: readonly string[];
  } | null;
  readonly limits: readonly LimitResult[];
  readonly warnings: readonly string[];
  readonly artifacts: readonly string[];
}

export interface EvaluateOptions {
  /** The data's range and the end of the period it belongs to (for forecasts). */
  readonly period: {
    readonly startDate: string;
    readonly endDate: string;
    readonly periodEnd?: string;
  };
  /** The instant of evaluation (ms). @default Date.now() */
  readonly now?: number;
  /** The filters the report was exported with. */
  readonly reportFilter?: UsageFilter;
  /** The report's partitionGroupLimit, to detect truncation. */
  readonly partitionGroupLimit?: number;
  /** The previous period of the same length, for `maxGrowth`. */
  readonly previous?: UsageTable;
  readonly name?: string;
  /** Files to name in messages (the CSV, the charts). */
  readonly artifacts?: readonly string[];
}

const TOP = 10;

function describeKey(key: Partial<Record<UsageKey, string>>): string {
  const parts = Object.entries(key).map(([k, v]) =>
    Object.keys(key).length === 1 ? `${v || "(empty)"}` : `${k}=${v || "(empty)"}`,
  );
  return parts.join(", ") || "total";
}

function rowFilter(
  where: UsageFilter | undefined,
  table: UsageTable,
  reportFilter: UsageFilter | undefined,
): (r: UsageRow) => boolean {
  const tests: ((r: UsageRow) => boolean)[] = [];
  for (const [k, vs] of Object.entries(where ?? {}) as [UsageKey, readonly string[]][]) {
    if (table.keys.includes(k)) {
      tests.push((r) => vs.includes(r.group[k] ?? ""));
    } else {
      const f =
        (reportFilter as Record<string, readonly string[] | undefined> | undefined)?.[k] ?? [];
      const allIn = f.length > 0 && f.every((v) => vs.includes(v));
      if (!allIn) tests.push(() => false);
    }
  }
  return (r) => tests.every((t) => t(r));
}

function sumBy(
  table: UsageTable,
  per: UsageKey | undefined,
  keep: (r: UsageRow) => boolean,
): Map<string, { key: Partial<Record<UsageKey, string>>; bytes: bigint }> {
  const out = new Map<string, { key: Partial<Record<UsageKey, string>>; bytes: bigint }>();
  if (!per) out.set("", { key: {}, bytes: 0n });
  for (const r of table.rows) {
    if (!keep(r)) continue;
    const value = per ? (r.group[per] ?? "") : "";
    let g = out.get(value);
    if (!g) out.set(value, (g = { key: per ? { [per]: value } : {}, bytes: 0n }));
    g.bytes += r.bytes;
  }
  return out;
}

const joinMethod = (a: string, b: string) => (a ? `${a}; ${b}` : b);

function scopeOf(l: BudgetLimit): string {
  const where = Object.entries(l.where ?? {})
    .map(([k, vs]) => `${k}=${(vs as string[]).join("|")}`)
    .join(", ");
  const base = l.per ? `per ${l.per}` : "total";
  const of = where ? `${base} where ${where}` : base;
  if (l.maxGrowth !== undefined) return `growth of ${of}`;
  const share =
    parsePercent(l.max) !== undefined ? ` (${String(l.max).trim()} of ${String(l.of)})` : "";
  return (l.forecast ? `forecast of ${of}` : of) + share;
}

/** Evaluates one limit. Pure. */
export function evaluateLimit(
  table: UsageTable,
  limit: BudgetLimit,
  id: string,
  options: EvaluateOptions,
): LimitResult {
  const level = limit.level ?? "fail";
  const keep = rowFilter(limit.where, table, options.reportFilter);
  const groups = sumBy(table, limit.per, keep);
  const now = options.now ?? Date.now();
  const start = dateMs(options.period.startDate);
  const end = dateMs(options.period.endDate);
  const periodEnd = dateMs(options.period.periodEnd ?? options.period.endDate);
  const elapsed = Math.max(0, Math.min(now, end) - start);
  const scope = scopeOf(limit);
  const truncated =
    options.partitionGroupLimit !== undefined &&
    table.maxRowsPerPartition >= options.partitionGroupLimit;

  let unit: "bytes" | "percent" = "bytes";
  let limitValue: bigint | number;
  let values: { key: Partial<Record<UsageKey, string>>; value: bigint | number }[];
  let method: string;

  if (limit.maxGrowth !== undefined) {
    unit = "percent";
    limitValue = parsePercent(limit.maxGrowth) as number;
    if (!options.previous) {
      throw new InvalidInputError(
        `limit ${id}: maxGrowth needs the previous period's usage; none was given`,
      );
    }
    const prevGroups = sumBy(
      options.previous,
      limit.per,
      rowFilter(limit.where, options.previous, options.reportFilter),
    );
    const days = Math.max(elapsed / DAY, 1 / 24);
    const prevDays = (end - start) / DAY;
    values = [];
    let fresh = 0;
    for (const [k, g] of groups) {
      const prev = prevGroups.get(k)?.bytes ?? 0n;
      if (prev === 0n) {
        if (g.bytes > 0n) fresh++;
        continue;
      }
      const rate = Number(g.bytes) / days;
      const prevRate = Number(prev) / prevDays;
      values.push({ key: g.key, value: Math.round((rate / prevRate - 1) * 1000) / 10 });
    }
    method =
      `daily rate over ${days.toFixed(1)} day(s) against the daily rate of the previous ${prevDays} day(s)` +
      (fresh ? `; ${fresh} group(s) with no previous usage not compared` : "");
  } else {
    const pct = parsePercent(limit.max);
    if (pct !== undefined) {
      const quota = parseSize(limit.of as string, `limit ${id}: of`);
      limitValue = (quota * BigInt(Math.round(pct * 1000))) / 100_000n;
      method = `${pct}% of ${formatBytes(quota)}`;
    } else {
      limitValue = parseSize(limit.max as string, `limit ${id}: max`);
      method = "measured so far";
    }
    if (limit.forecast === "period-end") {
      method = pct !== undefined ? method : "";
      const span = periodEnd - start;
      if (elapsed <= 0 || elapsed >= span) {
        values = [...groups.values()].map((g) => ({ key: g.key, value: g.bytes }));
        method = joinMethod(
          method,
          elapsed >= span
            ? "the period is over, so the forecast is the measured value"
            : "nothing elapsed, no projection",
        );
      } else {
        values = [...groups.values()].map((g) => ({
          key: g.key,
          value: (g.bytes * BigInt(span)) / BigInt(elapsed),
        }));
        method = joinMethod(
          method,
          `linear projection to ${options.period.periodEnd ?? options.period.endDate}: usage over the first ` +
            `${(elapsed / DAY).toFixed(2)} day(s) × ${(span / DAY).toFixed(0)}/${(elapsed / DAY).toFixed(2)}`,
        );
      }
    } else {
      values = [...groups.values()].map((g) => ({ key: g.key, value: g.bytes }));
    }
  }

  const over = values
    .filter((v) => v.value > limitValue)
    .sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
  const sub = (a: bigint | number, b: bigint | number) =>
    typeof a === "bigint" && typeof b === "bigint"
      ? a - b
      : Math.round((Number(a) - Number(b)) * 10) / 10;
  const measured = values.length
    ? values.reduce<bigint | number>((m, v) => (v.value > m ? v.value : m), values[0].value)
    : unit === "bytes"
      ? 0n
      : 0;
  const ok = over.length === 0;
  const fmt = (v: bigint | number) => (unit === "bytes" ? formatBytes(v) : `${v}%`);
  let summary: string;
  if (limit.per) {
    const n = values.length;
    summary = ok
      ? `${scope}: all ${n} ${limit.per} group(s) within ${fmt(limitValue)} (largest ${fmt(measured)})`
      : `${scope}: ${over.length} of ${n} over ${fmt(limitValue)}: ` +
        over
          .slice(0, 3)
          .map((o) => `${describeKey(o.key)} ${fmt(o.value)} (+${fmt(sub(o.value, limitValue))})`)
          .join(", ") +
        (over.length > 3 ? `, and ${over.length - 3} more` : "");
  } else {
    const what = limit.forecast
      ? `${fmt(measured)} projected`
      : unit === "percent"
        ? `grew ${fmt(measured)}`
        : `${fmt(measured)} used`;
    summary = ok
      ? `${scope}: ${what}, within ${fmt(limitValue)} (headroom ${fmt(sub(limitValue, measured))})`
      : `${scope}: ${what}, over ${fmt(limitValue)} by ${fmt(sub(measured, limitValue))}`;
  }
  const trusted = !(truncated && ok && unit === "bytes");
  if (!trusted)
    summary += ` (not trusted: some partitions hit the group limit, totals may undercount)`;

  return {
    id,
    description: limit.description,
    level,
    scope,
    unit,
    ok,
    trusted,
    measured,
    limit: limitValue,
    headroom: sub(limitValue, measured),
    offenders: over
      .slice(0, TOP)
      .map((o) => ({ key: o.key, value: o.value, excess: sub(o.value, limitValue) })),
    moreOffenders: Math.max(0, over.length - TOP),
    groups: values.length,
    method,
    summary,
  };
}

/**
 * Evaluates every limit against a table. Throws `InvalidInputError` listing every problem
 * when a limit cannot be evaluated against this table.
 */
export function evaluateBudget(
  table: UsageTable,
  limits: readonly BudgetLimit[],
  options: EvaluateOptions,
): Verdict {
  const problems = limitProblems(limits, { groupBy: table.keys, filterBy: options.reportFilter });
  if (problems.length) {
    throw new InvalidInputError(
      `The budget has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  const ids = limitIds(limits);
  const results = limits.map((l, i) => evaluateLimit(table, l, ids[i], options));
  const fail = results.some((r) => !r.ok && r.level === "fail");
  const warn = results.some((r) => (!r.ok && r.level === "warn") || !r.trusted);
  const truncated =
    options.partitionGroupLimit !== undefined &&
    table.maxRowsPerPartition >= options.partitionGroupLimit
      ? { partitionGroupLimit: options.partitionGroupLimit, partitions: table.fullestPartitions }
      : null;
  const warnings = [...table.warnings];
  if (truncated) {
    warnings.push(
      `${truncated.partitions.length} partition(s) returned exactly ${truncated.partitionGroupLimit} rows, the partitionGroupLimit: ` +
        "totals may undercount. Raise partitionGroupLimit (up to 1999), group by fewer keys, or filter.",
    );
  }
  const now = options.now ?? Date.now();
  const endMs = dateMs(options.period.endDate);
  return {
    schema: "jfrog-usage/verdict@1",
    name: options.name,
    status: fail ? "fail" : warn ? "warn" : "ok",
    period: {
      startDate: options.period.startDate,
      endDate: options.period.endDate,
      periodEnd: options.period.periodEnd ?? options.period.endDate,
      measuredUntil: new Date(Math.min(now, endMs)).toISOString(),
    },
    totalBytes: table.totalBytes,
    truncated,
    limits: results,
    warnings,
    artifacts: options.artifacts ?? [],
  };
}

/** A verdict with no limits: what the charts and summaries of a plain report are drawn from. */
export function describeTable(
  table: UsageTable,
  options: Pick<EvaluateOptions, "period" | "now" | "name">,
): Verdict {
  const now = options.now ?? Date.now();
  return {
    schema: "jfrog-usage/verdict@1",
    name: options.name,
    status: "ok",
    period: {
      startDate: options.period.startDate,
      endDate: options.period.endDate,
      periodEnd: options.period.periodEnd ?? options.period.endDate,
      measuredUntil: new Date(Math.min(now, dateMs(options.period.endDate))).toISOString(),
    },
    totalBytes: table.totalBytes,
    truncated: null,
    limits: [],
    warnings: [...table.warnings],
    artifacts: [...table.files],
  };
}
