/** The `report` command's output: a console table or JSON of totals per group. */
import Table from "cli-table3";
import { describeTable } from "../budget/evaluate";
import { formatBytes } from "../budget/units";
import { addDays, addMonths, daysBetween } from "../query/dates";
import { markdownCell } from "./safe";
import { renderVerdictSvg } from "./verdict-svg";
import { bigintJson } from "../table/quantity";
import { UsageTable, groupTotals, partitionTotals } from "../table/usage-table";

export interface ReportOptions {
  readonly format: "table" | "json" | "markdown" | "svg";
  /** Groups shown in the table. @default 20 */
  readonly top?: number;
  readonly color?: boolean;
}

/** JSON: `{ totalBytes, groups: [{ key: { <key>: <value> }, bytes }] }`, exact integers. */
export function reportJson(table: UsageTable): string {
  const days = partitionTotals(table);
  return (
    bigintJson(
      {
        files: table.files,
        keys: table.keys,
        totalBytes: table.totalBytes,
        firstPartition: days[0]?.partition ?? null,
        lastPartition: days[days.length - 1]?.partition ?? null,
        partitions: days,
        groups: groupTotals(table, table.keys).map((g) => ({ key: g.key, bytes: g.bytes })),
        warnings: table.warnings,
      },
      2,
    ) + "\n"
  );
}

function share(part: bigint, total: bigint): string {
  if (total === 0n) return "-";
  return `${(Number((part * 10000n) / total) / 100).toFixed(1)}%`;
}

/** Markdown: the total and the top groups, every cell neutralized. */
export function reportMarkdown(table: UsageTable, top = 20): string {
  const days = partitionTotals(table);
  const out = [
    `### JFrog data transfer: ${formatBytes(table.totalBytes)}`,
    "",
    days.length
      ? `From ${days[0].partition} to ${days[days.length - 1].partition} (${days.length} partition(s)).`
      : "No data.",
  ];
  if (table.keys.length) {
    const groups = groupTotals(table, table.keys);
    out.push(
      "",
      `| ${table.keys.join(" | ")} | Bytes | Share |`,
      `|${table.keys.map(() => "---").join("|")}|--:|--:|`,
    );
    for (const g of groups.slice(0, top)) {
      out.push(
        `| ${table.keys.map((k) => markdownCell(g.key[k] ?? "")).join(" | ")} | ${formatBytes(g.bytes)} | ${share(g.bytes, table.totalBytes)} |`,
      );
    }
    if (groups.length > top)
      out.push(
        `| … ${groups.length - top} more |${table.keys
          .slice(1)
          .map(() => " |")
          .join("")} | |`,
      );
  }
  return out.join("\n") + "\n";
}

export function renderReport(table: UsageTable, options: ReportOptions): string {
  if (options.format === "json") return reportJson(table);
  if (options.format === "markdown") return reportMarkdown(table, options.top);
  if (options.format === "svg") {
    const days = partitionTotals(table);
    const first = days[0]?.partition ?? "1970-01-01";
    const last = days[days.length - 1]?.partition ?? first;
    const monthly = days.length > 1 && daysBetween(days[0].partition, days[1].partition) > 20;
    const endDate = monthly ? addMonths(last, 1) : addDays(last, 1);
    return renderVerdictSvg(
      describeTable(table, {
        period: { startDate: first, endDate },
        now: Date.parse(`${endDate}T00:00:00Z`),
      }),
      table,
    );
  }
  const days = partitionTotals(table);
  const top = options.top ?? 20;
  const lines: string[] = [];
  const span = days.length
    ? `${days[0].partition} .. ${days[days.length - 1].partition}`
    : "no data";
  lines.push(
    `Total: ${formatBytes(table.totalBytes)} (${table.totalBytes} bytes) over ${days.length} partition(s), ${span}`,
  );
  if (table.keys.length) {
    const groups = groupTotals(table, table.keys);
    const t = new Table({
      head: [...table.keys, "bytes", "share"],
      style: { head: [], border: [], compact: true },
      colAligns: [...table.keys.map(() => "left" as const), "right", "right"],
    });
    for (const g of groups.slice(0, top)) {
      t.push([
        ...table.keys.map((k) => g.key[k] ?? ""),
        formatBytes(g.bytes),
        share(g.bytes, table.totalBytes),
      ]);
    }
    lines.push(t.toString());
    if (groups.length > top) {
      const rest = groups.slice(top).reduce((s, g) => s + g.bytes, 0n);
      lines.push(
        `... and ${groups.length - top} more group(s): ${formatBytes(rest)} (${share(rest, table.totalBytes)})`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
