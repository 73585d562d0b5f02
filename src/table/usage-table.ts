import { UsageKey } from "../query/constraints";

/** One aggregated row: the bytes of one group in one partition. */
export interface UsageRow {
  /** Start of the partition, `YYYY-MM-DD` (UTC). */
  readonly partition: string;
  /** The group's value for each of the table's keys. */
  readonly group: Readonly<Partial<Record<UsageKey, string>>>;
  readonly bytes: bigint;
}

/** Usage read from one or more exports, summed by partition and group. */
export interface UsageTable {
  readonly files: readonly string[];
  /** The group keys the rows carry. */
  readonly keys: readonly UsageKey[];
  /** Rows sorted by partition, then by bytes (largest first). */
  readonly rows: readonly UsageRow[];
  readonly totalBytes: bigint;
  /** CSV data rows read, across files. */
  readonly inputRows: number;
  /**
   * The most rows any single file had for one partition. When it equals the query's
   * `partitionGroupLimit`, that partition may have been truncated by the server.
   */
  readonly maxRowsPerPartition: number;
  /** Partitions whose row count (in one file) reached `maxRowsPerPartition`. */
  readonly fullestPartitions: readonly string[];
  /** Columns no key matched; their rows were summed over. */
  readonly ignoredColumns: readonly string[];
  /** Things a reader should know (e.g. a partition present in several files). */
  readonly warnings: readonly string[];
}

export interface GroupTotal {
  readonly key: Readonly<Partial<Record<UsageKey, string>>>;
  readonly bytes: bigint;
}

const SEP = "\u0001";

/** Totals per combination of `keys` (a subset of the table's keys), largest first. */
export function groupTotals(table: UsageTable, keys: readonly UsageKey[]): GroupTotal[] {
  const sums = new Map<string, { key: Partial<Record<UsageKey, string>>; bytes: bigint }>();
  for (const row of table.rows) {
    const key: Partial<Record<UsageKey, string>> = {};
    for (const k of keys) key[k] = row.group[k] ?? "";
    const id = keys.map((k) => key[k]).join(SEP);
    const s = sums.get(id);
    if (s) s.bytes += row.bytes;
    else sums.set(id, { key, bytes: row.bytes });
  }
  return [...sums.values()].sort((a, b) => (b.bytes > a.bytes ? 1 : b.bytes < a.bytes ? -1 : 0));
}

/** Totals per partition, oldest first. */
export function partitionTotals(table: UsageTable): { partition: string; bytes: bigint }[] {
  const sums = new Map<string, bigint>();
  for (const row of table.rows)
    sums.set(row.partition, (sums.get(row.partition) ?? 0n) + row.bytes);
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([partition, bytes]) => ({ partition, bytes }));
}
