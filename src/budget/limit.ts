/**
 * Budget limits as users declare them, and the check that a limit can be evaluated against
 * a report's shape. A limit that cannot be evaluated is an error when it is declared, never
 * a silent pass.
 */
import { ACTION_VALUES, USAGE_KEYS, UsageKey, isUsageKey } from "../query/constraints";
import { UsageFilter } from "../query/query";
import { SIZE_EXAMPLE, tryParseSize } from "./units";

export type LimitLevel = "fail" | "warn";

/** A size: "2 TB", "400 GiB", "1.5TB", 750000000 (bytes). */
export type Size = string | number;

export interface BudgetLimit {
  /**
   * The largest allowed value: a size ("2 TB"), or with `of` a share of a quota ("80%").
   * Give either `max` or `maxGrowth`.
   */
  readonly max?: Size;
  /** The quota that a percentage `max` is a share of ("2.5 TB"). */
  readonly of?: Size;
  /** Apply the limit to every group of this key (each repository, each user, ...). */
  readonly per?: UsageKey;
  /** Count only the rows whose key has one of the values. @default every row */
  readonly where?: UsageFilter;
  /**
   * Compare a linear projection to the end of the period instead of the usage so far.
   * @default none (the usage so far)
   */
  readonly forecast?: "period-end";
  /**
   * Instead of `max`: the largest allowed growth of the daily rate against the previous
   * period of the same length ("30%"). Needs that period's data (one more request).
   */
  readonly maxGrowth?: string;
  /** `fail` stops the deployment; `warn` reports and lets it through. @default "fail" */
  readonly level?: LimitLevel;
  /** A stable name for reports, Terraform variables and messages. @default derived from the limit */
  readonly id?: string;
  /** A sentence for people reading the report. */
  readonly description?: string;
}

/** What a report offers a limit: the keys it is grouped by and the filters it applied. */
export interface ReportShape {
  readonly groupBy: readonly UsageKey[];
  readonly filterBy?: UsageFilter;
}

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

export function parsePercent(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const m = PERCENT.exec(text);
  return m ? Number(m[1]) : undefined;
}

const ID = /^[a-z][a-z0-9_]{0,62}$/;

/** The id a limit gets when none is given, e.g. `per_repository`, `forecast`, `action_download`. */
export function defaultLimitId(limit: BudgetLimit): string {
  const parts: string[] = [];
  if (limit.maxGrowth !== undefined) parts.push("growth");
  if (limit.forecast) parts.push("forecast");
  if (limit.of !== undefined) parts.push("share");
  for (const [k, vs] of Object.entries(limit.where ?? {}))
    parts.push(k, ...((vs as string[]) ?? []));
  if (limit.per) parts.push("per", limit.per);
  const id = parts
    .join("_")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 48);
  return id === "" ? "total" : /^[a-z]/.test(id) ? id : `l_${id}`;
}

/** Ids for every limit: given ones kept, derived ones made unique with a suffix. */
export function limitIds(limits: readonly BudgetLimit[]): string[] {
  const seen = new Map<string, number>();
  return limits.map((l) => {
    const base = l.id ?? defaultLimitId(l);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
}

/**
 * Every problem with the limits, for this report shape: each names the limit (by position
 * and id) and says how to fix it.
 */
export function limitProblems(limits: readonly BudgetLimit[], shape: ReportShape): string[] {
  const problems: string[] = [];
  if (!Array.isArray(limits) || limits.length === 0) {
    return ['limits: give at least one limit, e.g. { max: "2 TB" }'];
  }
  const grouped = new Set<string>(shape.groupBy);
  const filtered = shape.filterBy ?? {};
  const known = new Set([
    "max",
    "of",
    "per",
    "where",
    "forecast",
    "maxGrowth",
    "level",
    "id",
    "description",
  ]);
  const givenIds = new Set<string>();
  limits.forEach((l, i) => {
    const name = `limits[${i}]${l?.id ? ` (${l.id})` : ""}`;
    if (typeof l !== "object" || l === null) {
      problems.push(`${name}: must be an object such as { max: "2 TB" }`);
      return;
    }
    for (const k of Object.keys(l))
      if (!known.has(k))
        problems.push(`${name}: unknown property "${k}"; known: ${[...known].join(", ")}`);
    const hasMax = l.max !== undefined;
    const hasGrowth = l.maxGrowth !== undefined;
    if (hasMax === hasGrowth)
      problems.push(
        `${name}: give exactly one of max (a size, or a percentage with of) and maxGrowth`,
      );
    if (hasMax) {
      const pct = parsePercent(l.max);
      if (pct !== undefined) {
        if (l.of === undefined)
          problems.push(
            `${name}: max "${String(l.max)}" is a percentage; say of what quota with of: "2.5 TB"`,
          );
        else if (tryParseSize(l.of as string) === undefined)
          problems.push(`${name}: of ${JSON.stringify(l.of)} is not a size; ${SIZE_EXAMPLE}`);
      } else {
        if (tryParseSize(l.max as string) === undefined)
          problems.push(
            `${name}: max ${JSON.stringify(l.max)} is not a size; ${SIZE_EXAMPLE} (or "80%" with of)`,
          );
        if (l.of !== undefined)
          problems.push(`${name}: of only goes with a percentage max such as "80%"`);
      }
    }
    if (hasGrowth) {
      if (parsePercent(l.maxGrowth) === undefined)
        problems.push(
          `${name}: maxGrowth ${JSON.stringify(l.maxGrowth)} must be a percentage such as "30%"`,
        );
      if (l.forecast)
        problems.push(`${name}: maxGrowth compares daily rates; it does not take forecast`);
    }
    if (l.forecast !== undefined && l.forecast !== "period-end")
      problems.push(`${name}: forecast must be "period-end"`);
    if (l.level !== undefined && l.level !== "fail" && l.level !== "warn")
      problems.push(`${name}: level must be "fail" or "warn", got ${JSON.stringify(l.level)}`);
    if (l.per !== undefined) {
      if (!isUsageKey(l.per))
        problems.push(
          `${name}: per "${String(l.per)}" is not a key; valid keys are ${USAGE_KEYS.join(", ")}`,
        );
      else if (!grouped.has(l.per))
        problems.push(
          `${name}: per "${l.per}" needs the report grouped by ${l.per}; add "${l.per}" to its groupBy`,
        );
    }
    for (const [k, vs] of Object.entries(l.where ?? {})) {
      if (!isUsageKey(k)) {
        problems.push(
          `${name}: where key "${k}" is not a key; valid keys are ${USAGE_KEYS.join(", ")}`,
        );
        continue;
      }
      if (
        !Array.isArray(vs) ||
        vs.length === 0 ||
        vs.some((v) => typeof v !== "string" || v === "")
      ) {
        problems.push(`${name}: where.${k} must be a list of values, e.g. ["download"]`);
        continue;
      }
      if (k === "action") {
        const bad = (vs as string[]).filter(
          (v) => !(ACTION_VALUES as readonly string[]).includes(v),
        );
        if (bad.length)
          problems.push(`${name}: where.action ${JSON.stringify(bad)} must be upload or download`);
      }
      if (grouped.has(k)) continue;
      const f = (filtered as Record<string, readonly string[] | undefined>)[k];
      if (!f) {
        problems.push(
          `${name}: where.${k} needs the report grouped or filtered by ${k}; add "${k}" to its groupBy`,
        );
      } else {
        const inside = f.filter((v) => (vs as string[]).includes(v));
        if (inside.length > 0 && inside.length < f.length) {
          problems.push(
            `${name}: where.${k} keeps part of the report's filter ${JSON.stringify(f)}; group the report by ${k} to tell them apart`,
          );
        }
      }
    }
    if (l.id !== undefined) {
      if (typeof l.id !== "string" || !ID.test(l.id))
        problems.push(
          `${name}: id ${JSON.stringify(l.id)} must be lower case letters, digits and _ and start with a letter`,
        );
      else if (givenIds.has(l.id)) problems.push(`${name}: id "${l.id}" is used twice`);
      else givenIds.add(l.id);
    }
  });
  return problems;
}
