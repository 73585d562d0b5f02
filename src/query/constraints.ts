/**
 * Every documented rule of the usage export endpoint, in one place. Validation, the window
 * splitter and the simulator all read this table; an ASSUMPTION marks what JFrog does not
 * document (see README, "Assumptions").
 */

/** The keys accepted by `filter_by[KEY]` and `group_by`. */
export const USAGE_KEYS = [
  "action",
  "artifact_path",
  "ip",
  "package_type",
  "project",
  "repo_type",
  "repository",
  "server_name",
  "service",
  "username",
] as const;
export type UsageKey = (typeof USAGE_KEYS)[number];

export const ACTION_VALUES = ["upload", "download"] as const;
export type UsageAction = (typeof ACTION_VALUES)[number];

export const PARTITIONS = ["day", "month"] as const;
export type Partition = (typeof PARTITIONS)[number];

export const SCENARIOS = ["traffic"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const CONSTRAINTS = {
  /** The only scenario and format the endpoint serves. */
  scenario: "traffic" as Scenario,
  format: "csv",
  /** start_date must be within the last N days on the day of the request. */
  maxHistoryDays: 558,
  /** The longest range one request may span, in calendar months, per partition. */
  maxSpanMonths: { day: 3, month: 12 } as Record<Partition, number>,
  /** partition_group_limit, inclusive. */
  groupLimit: { min: 1, max: 1999 },
  /** ASSUMPTION: the limit we send when none is given (the largest, to avoid truncation). */
  defaultGroupLimit: 1999,
  /** ASSUMPTION: a request that filters or groups by these keys must span at least N days. */
  coarseKeys: ["artifact_path", "ip"] as readonly UsageKey[],
  coarseKeyMinDays: 32,
  /** ASSUMPTION: the exclusive end may be at most this many days after today (UTC). */
  maxEndDaysAfterToday: 1,
  /** Documented default rate limits ("may vary with network conditions"). */
  rateLimits: {
    token: [
      { max: 5, windowMs: 5 * 60_000 },
      { max: 10, windowMs: 60 * 60_000 },
    ],
    ip: [
      { max: 10, windowMs: 10 * 60_000 },
      { max: 20, windowMs: 60 * 60_000 },
    ],
  },
} as const;

export interface RateWindow {
  readonly max: number;
  readonly windowMs: number;
}

export const isUsageKey = (k: string): k is UsageKey =>
  (USAGE_KEYS as readonly string[]).includes(k);
export const isPartition = (p: string): p is Partition =>
  (PARTITIONS as readonly string[]).includes(p);

/** The file name JFrog gives the attachment: JFrog-data-transfer-YYYYMMDD-yyyymmdd.csv */
export function exportFileName(startDate: string, endDate: string): string {
  return `JFrog-data-transfer-${startDate.replace(/-/g, "")}-${endDate.replace(/-/g, "")}.csv`;
}
