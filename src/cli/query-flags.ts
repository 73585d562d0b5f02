/** The query flags shared by `export` and `check`, turned into a `UsageQuery`. */
import { Command, Option } from "commander";
import { Clock } from "../clock";
import { InvalidQueryError } from "../errors";
import { CONSTRAINTS, Partition, USAGE_KEYS, UsageKey, isUsageKey } from "../query/constraints";
import { UsagePeriod } from "../query/period";
import { UsageQuery, queryProblems } from "../query/query";

export interface QueryFlags {
  start?: string;
  end?: string;
  period?: string;
  partition?: string;
  limit?: string;
  filter?: string[];
  groupBy?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addQueryFlags(cmd: Command): Command {
  return cmd
    .option("--start <date>", "first day reported, YYYY-MM-DD (UTC)")
    .option("--end <date>", "day after the last day reported, YYYY-MM-DD (exclusive)")
    .option("--period <name>", "instead of dates: month-to-date, previous-month or last-N-days")
    .addOption(
      new Option("--partition <unit>", "row granularity").choices(["day", "month"]).default("day"),
    )
    .option(
      "--limit <n>",
      `rows per partition, 1..${CONSTRAINTS.groupLimit.max}`,
      String(CONSTRAINTS.defaultGroupLimit),
    )
    .option("--filter <key=value>", "keep only rows with this value (repeatable)", collect)
    .option(
      "--group-by <key>",
      `one row per value of this key (repeatable): ${USAGE_KEYS.join(", ")}`,
      collect,
    );
}

/** Dates from --start/--end or --period, resolved on the clock's day. */
export function periodFromFlags(flags: QueryFlags): UsagePeriod {
  if (flags.period !== undefined) {
    if (flags.start !== undefined || flags.end !== undefined) {
      throw new InvalidQueryError(
        ["--period: give either --period or --start and --end, not both"],
        "The command line",
      );
    }
    const named = UsagePeriod.fromName(flags.period);
    if (named) return named;
    throw new InvalidQueryError(
      [
        `--period: "${flags.period}" is not one of month-to-date, previous-month, last-N-days (e.g. last-30-days)`,
      ],
      "The command line",
    );
  }
  const missing = [
    ...(flags.start === undefined ? ["--start YYYY-MM-DD"] : []),
    ...(flags.end === undefined ? ["--end YYYY-MM-DD"] : []),
  ];
  if (missing.length) {
    throw new InvalidQueryError(
      [`give ${missing.join(" and ")}, or --period month-to-date`],
      "The command line",
    );
  }
  return UsagePeriod.between(flags.start as string, flags.end as string);
}

export function groupByFromFlags(values: readonly string[] | undefined): UsageKey[] {
  const keys = (values ?? [])
    .flatMap((v) => v.split(","))
    .map((k) => k.trim())
    .filter(Boolean);
  const bad = keys.filter((k) => !isUsageKey(k));
  if (bad.length) {
    throw new InvalidQueryError(
      bad.map((k) => `--group-by: unknown key "${k}"; valid keys are ${USAGE_KEYS.join(", ")}`),
      "The command line",
    );
  }
  return keys as UsageKey[];
}

const FLAG_NAMES: [RegExp, string][] = [
  [/^startDate:/, "--start:"],
  [/^endDate:/, "--end:"],
  [/^partitionGroupLimit:/, "--limit:"],
  [/^partitionBy:/, "--partition:"],
  [/^filterBy\.(\w+):/, "--filter $1=...:"],
  [/^filterBy:/, "--filter:"],
];

/** Names a query problem by the flag a user typed. */
function asFlag(problem: string): string {
  for (const [re, flag] of FLAG_NAMES) if (re.test(problem)) return problem.replace(re, flag);
  return problem;
}

/** Builds the query; problems in the flags themselves are reported together. */
export function queryFromFlags(flags: QueryFlags, clock: Clock, offline = false): UsageQuery {
  const problems: string[] = [];
  const filterBy: Record<string, string[]> = {};
  for (const f of flags.filter ?? []) {
    const i = f.indexOf("=");
    if (i <= 0) {
      problems.push(`--filter: "${f}" must be KEY=VALUE, e.g. --filter server_name=acme`);
      continue;
    }
    (filterBy[f.slice(0, i).trim()] ??= []).push(f.slice(i + 1));
  }
  let limit: number | undefined;
  if (flags.limit !== undefined) {
    limit = /^\s*\d+\s*$/.test(flags.limit) ? Number(flags.limit) : NaN;
    if (Number.isNaN(limit))
      problems.push(`--limit: "${flags.limit}" must be a whole number from 1 to 1999`);
  }
  let groupBy: UsageKey[] = [];
  try {
    groupBy = groupByFromFlags(flags.groupBy);
  } catch (e) {
    problems.push(...(e as InvalidQueryError).problems);
  }
  let range = { startDate: "", endDate: "" };
  try {
    range = periodFromFlags(flags).resolve(clock);
  } catch (e) {
    problems.push(...(e as InvalidQueryError).problems);
  }
  const query: UsageQuery = {
    startDate: range.startDate,
    endDate: range.endDate,
    partitionBy: (flags.partition ?? "day") as Partition,
    partitionGroupLimit: limit,
    filterBy,
    groupBy,
  };
  if (range.startDate) {
    // Everything the query itself breaks, in the same message as the flags' problems.
    const rest = queryProblems(
      { ...query, partitionGroupLimit: Number.isNaN(limit) ? undefined : limit },
      offline
        ? { now: clock.now(), horizon: false, singleRequest: false }
        : { now: clock.now(), singleRequest: false },
    );
    problems.push(...rest.filter((p) => !p.startsWith("groupBy:")).map(asFlag));
  }
  if (problems.length) throw new InvalidQueryError(problems, "The command line");
  return query;
}
