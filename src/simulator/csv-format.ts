/**
 * How the simulator writes an export (an ASSUMPTION about JFrog's columns, see the
 * reference): a partition timestamp, one column per group_by key (named as JFrog's
 * data-transfer logs name them), the unit and the quantity.
 */
import { UsageKey } from "../query/constraints";

/** Column names as JFrog's data-transfer logs spell them (note `user_name`). */
export const LOG_COLUMN: Record<UsageKey, string> = {
  action: "action",
  artifact_path: "artifact_path",
  ip: "ip",
  package_type: "package_type",
  project: "project",
  repo_type: "repo_type",
  repository: "repository",
  server_name: "server_name",
  service: "service",
  username: "user_name",
};

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvHeader(groupBy: readonly UsageKey[]): string {
  return (
    [
      "billing_timestamp",
      ...groupBy.map((k) => LOG_COLUMN[k]),
      "consumption_unit",
      "quantity",
    ].join(",") + "\r\n"
  );
}

export function csvRow(
  partition: string,
  values: readonly string[],
  bytes: number | bigint,
): string {
  return (
    [`${partition}T00:00:00Z`, ...values.map(csvField), "bytes", String(bytes)].join(",") + "\r\n"
  );
}
