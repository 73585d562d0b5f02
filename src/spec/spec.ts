/**
 * The budget spec: a JSON file with a report's query and its limits. `jfrog-usage check
 * --spec`, the apply-time handler and the constructs all read and write this one format.
 *
 *   {
 *     "version": 1,
 *     "name": "transfer",
 *     "report": {
 *       "period": "month-to-date",            // or "previous-month", "last-30-days",
 *                                             // or { "startDate": "...", "endDate": "..." }
 *       "partitionBy": "day", "partitionGroupLimit": 1999,
 *       "filterBy": { "server_name": ["acme"] }, "groupBy": ["repository", "action"]
 *     },
 *     "limits": [{ "max": "2 TB" }, { "max": "400 GB", "per": "repository" }],
 *     "onApiError": "fail"
 *   }
 */
import { readFileSync } from "node:fs";
import { BudgetLimit, limitProblems } from "../budget/limit";
import { InvalidInputError, InvalidQueryError } from "../errors";
import { Partition, UsageKey } from "../query/constraints";
import { UsagePeriod } from "../query/period";
import { UsageFilter, UsageQuery, queryProblems } from "../query/query";

export const SPEC_VERSION = 1;

export type OnApiError = "fail" | "warn";

export interface ReportSpec {
  readonly period: UsagePeriod;
  readonly partitionBy?: Partition;
  readonly partitionGroupLimit?: number;
  readonly filterBy?: UsageFilter;
  readonly groupBy?: readonly UsageKey[];
}

export interface BudgetSpec {
  readonly name?: string;
  readonly report: ReportSpec;
  readonly limits: readonly BudgetLimit[];
  /** What a gate does when JFrog cannot be reached or refuses. @default "fail" */
  readonly onApiError?: OnApiError;
}

/** A period as a spec may write it. */
export function periodFromJson(value: unknown): UsagePeriod {
  if (value instanceof UsagePeriod) return value;
  if (typeof value === "string") {
    const named = UsagePeriod.fromName(value);
    if (named) return named;
  } else if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if ("kind" in v) return UsagePeriod.fromJSON(v);
    if (typeof v.startDate === "string" && typeof v.endDate === "string")
      return UsagePeriod.between(v.startDate, v.endDate);
  }
  throw new InvalidQueryError([
    `period: ${JSON.stringify(value)} is not a period; write "month-to-date", "previous-month", "last-30-days" or { "startDate": "2026-11-01", "endDate": "2026-12-01" }`,
  ]);
}

/** The query of a report on the day `now`. */
export function queryOf(
  report: ReportSpec,
  now: number,
): UsageQuery & { readonly periodEnd: string } {
  const range = report.period.resolve({ now: () => now, sleep: async () => {} });
  return {
    startDate: range.startDate,
    endDate: range.endDate,
    periodEnd: range.periodEnd,
    partitionBy: report.partitionBy,
    partitionGroupLimit: report.partitionGroupLimit,
    filterBy: report.filterBy,
    groupBy: report.groupBy,
  };
}

const TOP_KEYS = new Set(["version", "name", "report", "limits", "onApiError"]);
const REPORT_KEYS = new Set([
  "period",
  "partitionBy",
  "partitionGroupLimit",
  "filterBy",
  "groupBy",
]);

/** Parses and validates a spec, listing every problem at once. */
export function parseSpec(
  value: unknown,
  source = "the spec",
  now = Date.now(),
  offline = false,
): BudgetSpec {
  const problems: string[] = [];
  const v = value as Record<string, unknown>;
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new InvalidInputError(`${source}: must be a JSON object with "report" and "limits"`);
  for (const k of Object.keys(v))
    if (!TOP_KEYS.has(k))
      problems.push(`unknown property "${k}"; known: ${[...TOP_KEYS].join(", ")}`);
  if (v.version !== undefined && v.version !== SPEC_VERSION)
    problems.push(
      `version: ${JSON.stringify(v.version)} is not supported (this is version ${SPEC_VERSION})`,
    );
  if (v.name !== undefined && typeof v.name !== "string") problems.push("name: must be a string");
  if (v.onApiError !== undefined && v.onApiError !== "fail" && v.onApiError !== "warn")
    problems.push(`onApiError: must be "fail" or "warn"`);
  const r = v.report as Record<string, unknown> | undefined;
  let report: ReportSpec | undefined;
  if (!r || typeof r !== "object") {
    problems.push('report: missing; e.g. { "period": "month-to-date", "groupBy": ["repository"] }');
  } else {
    for (const k of Object.keys(r))
      if (!REPORT_KEYS.has(k))
        problems.push(`report: unknown property "${k}"; known: ${[...REPORT_KEYS].join(", ")}`);
    let period: UsagePeriod | undefined;
    try {
      period = periodFromJson(r.period);
    } catch (e) {
      problems.push(...(e as InvalidQueryError).problems.map((p) => `report.${p}`));
    }
    if (r.groupBy !== undefined && !Array.isArray(r.groupBy))
      problems.push("report.groupBy: must be a list of keys");
    if (r.filterBy !== undefined && (typeof r.filterBy !== "object" || Array.isArray(r.filterBy)))
      problems.push("report.filterBy: must be an object of key → list of values");
    if (period) {
      report = {
        period,
        partitionBy: r.partitionBy as Partition | undefined,
        partitionGroupLimit: r.partitionGroupLimit as number | undefined,
        filterBy: r.filterBy as UsageFilter | undefined,
        groupBy: r.groupBy as UsageKey[] | undefined,
      };
      const rules = offline ? { now, horizon: false, singleRequest: false } : { now };
      problems.push(...queryProblems(queryOf(report, now), rules).map((p) => `report.${p}`));
    }
  }
  const limits = v.limits as BudgetLimit[];
  if (!Array.isArray(limits)) problems.push('limits: must be a list, e.g. [{ "max": "2 TB" }]');
  else if (report)
    problems.push(
      ...limitProblems(limits, { groupBy: report.groupBy ?? [], filterBy: report.filterBy }),
    );
  if (problems.length || !report) throw new InvalidQueryError(problems, source);
  return {
    name: v.name as string | undefined,
    report,
    limits,
    onApiError: v.onApiError as OnApiError | undefined,
  };
}

export function readSpecFile(file: string, now = Date.now(), offline = false): BudgetSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InvalidInputError(
      `--spec: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidInputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseSpec(json, file, now, offline);
}

/** The JSON form of a spec (what the constructs write for the apply-time handler). */
export function specToJson(spec: BudgetSpec): string {
  return JSON.stringify(
    {
      version: SPEC_VERSION,
      name: spec.name,
      report: { ...spec.report, period: spec.report.period.toJSON() },
      limits: spec.limits,
      onApiError: spec.onApiError,
    },
    null,
    2,
  );
}
