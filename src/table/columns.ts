/**
 * Finding an export's columns by header name. JFrog does not document the columns (see the
 * reference); these aliases cover the names its data-transfer logs and portal use.
 */
import { USAGE_KEYS, UsageKey } from "../query/constraints";

export const TIMESTAMP_ALIASES = [
  "billing_timestamp",
  "timestamp",
  "partition",
  "partition_start",
  "date",
  "day",
  "month",
  "time",
  "billing_date",
  "start_time",
  "period",
];
export const QUANTITY_ALIASES = [
  "quantity",
  "bytes",
  "usage",
  "value",
  "amount",
  "total_bytes",
  "data_transfer",
];
export const UNIT_ALIASES = ["consumption_unit", "unit", "units"];
export const KEY_ALIASES: Record<UsageKey, string[]> = {
  action: ["action", "action_type"],
  artifact_path: ["artifact_path", "path", "artifact"],
  ip: ["ip", "client_ip", "ip_address"],
  package_type: ["package_type", "package", "pkg_type"],
  project: ["project", "project_key"],
  repo_type: ["repo_type", "repository_type"],
  repository: ["repository", "repo", "repo_name", "repository_name", "repo_key"],
  server_name: ["server_name", "server", "jpd", "instance"],
  service: ["service", "service_name"],
  username: ["username", "user_name", "user"],
};

export function normalizeHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase()
    .replace(/[\s\-.]+/g, "_");
}

export interface ColumnMap {
  readonly timestamp: number;
  readonly quantity: number;
  /** -1 when the file has no unit column (bytes are assumed). */
  readonly unit: number;
  readonly keys: Partial<Record<UsageKey, number>>;
  /** Headers that matched nothing; ignored (their rows are summed over). */
  readonly ignored: string[];
}

/** Maps headers to columns; lists what is missing instead of throwing. */
export function mapColumns(headers: readonly string[]): { map?: ColumnMap; missing: string[] } {
  const norm = headers.map(normalizeHeader);
  const used = new Set<number>();
  const find = (aliases: readonly string[]) => {
    for (const a of aliases) {
      const i = norm.indexOf(a);
      if (i >= 0 && !used.has(i)) {
        used.add(i);
        return i;
      }
    }
    return -1;
  };
  const quantity = find(QUANTITY_ALIASES);
  const unit = find(UNIT_ALIASES);
  const keys: Partial<Record<UsageKey, number>> = {};
  for (const k of USAGE_KEYS) {
    const i = find(KEY_ALIASES[k]);
    if (i >= 0) keys[k] = i;
  }
  const timestamp = find(TIMESTAMP_ALIASES);
  const missing: string[] = [];
  if (timestamp < 0)
    missing.push(`a timestamp column (${TIMESTAMP_ALIASES.slice(0, 3).join(", ")}, ...)`);
  if (quantity < 0)
    missing.push(`a quantity column (${QUANTITY_ALIASES.slice(0, 3).join(", ")}, ...)`);
  if (missing.length) return { missing };
  const ignored = headers.filter((_h, i) => !used.has(i));
  return { map: { timestamp, quantity, unit, keys, ignored }, missing };
}

const TS =
  /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i;

/** The UTC date (`YYYY-MM-DD`) a partition timestamp names; undefined when unreadable. */
export function partitionDate(text: string): string | undefined {
  const t = text.trim();
  const m = TS.exec(t);
  if (!m) return undefined;
  const [, y, mo, d = "01"] = m;
  const offset = m[7];
  if (!offset || /^(z|utc)$/i.test(offset) || /^[+-]00:?00$/.test(offset)) {
    const day = `${y}-${mo}-${d}`;
    const ms = Date.parse(`${day}T00:00:00Z`);
    return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? undefined : day;
  }
  const ms = Date.parse(t.replace(" ", "T"));
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}
