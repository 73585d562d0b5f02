import { NormalizedQuery } from "../query/query";
import { eachDay, utcDay, DAY, dateMs } from "../query/dates";
import { csvHeader, csvRow } from "./csv-format";
import { GeneratorOptions, Subscription, eventsForDay } from "./data";

export interface ExportRow {
  readonly partition: string;
  readonly values: readonly string[];
  readonly bytes: number;
}

/**
 * Answers a query from the synthetic data exactly as the endpoint would: filters, then
 * sums by partition and group, keeps the `partitionGroupLimit` largest groups of each
 * partition, in UTC with the end date exclusive. Days after "now" have no data; today has
 * the part of the day that has passed.
 */
export function computeExport(
  q: NormalizedQuery,
  sub: Subscription,
  gen: GeneratorOptions,
  now: number,
): ExportRow[] {
  const today = utcDay(now);
  const todayFraction = (now - dateMs(today)) / DAY;
  const filters = Object.entries(q.filterBy) as [string, readonly string[]][];
  const partitions = new Map<string, Map<string, { values: string[]; bytes: number }>>();

  for (const day of eachDay(q.startDate, q.endDate)) {
    if (day > today) break;
    const partition = q.partitionBy === "month" ? `${day.slice(0, 7)}-01` : day;
    let groups = partitions.get(partition);
    if (!groups) partitions.set(partition, (groups = new Map()));
    for (const ev of eventsForDay(sub, day, gen, day === today ? todayFraction : 1)) {
      const dims = ev.dims as Record<string, string>;
      if (!filters.every(([k, vs]) => vs.includes(dims[k]))) continue;
      const values = q.groupBy.map((k) => ev.dims[k]);
      const key = values.join("\u0000");
      const g = groups.get(key);
      if (g) g.bytes += ev.bytes;
      else groups.set(key, { values, bytes: ev.bytes });
    }
  }

  const rows: ExportRow[] = [];
  for (const [partition, groups] of [...partitions].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sorted = [...groups.values()].sort(
      (a, b) => b.bytes - a.bytes || (a.values.join() < b.values.join() ? -1 : 1),
    );
    for (const g of sorted.slice(0, q.partitionGroupLimit)) {
      rows.push({ partition, values: g.values, bytes: g.bytes });
    }
  }
  return rows;
}

export function exportCsv(q: NormalizedQuery, rows: readonly ExportRow[]): string {
  let out = csvHeader(q.groupBy);
  for (const r of rows) out += csvRow(r.partition, r.values, r.bytes);
  return out;
}
