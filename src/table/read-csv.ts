/**
 * Reads usage exports with csv-parse, streaming (a file is never held in memory whole):
 * columns by header name and alias, BOM, CRLF and quoted fields, exact integer sums.
 * Memory grows with the number of distinct (partition, group) pairs kept, not with rows.
 */
import { parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { createReadStream, promises as fsp } from "node:fs";
import { MalformedCsvError } from "../errors";
import { UsageKey, USAGE_KEYS } from "../query/constraints";
import { ColumnMap, KEY_ALIASES, mapColumns, partitionDate } from "./columns";
import { ExactSum, parseQuantity, unitFactor } from "./quantity";
import { UsageRow, UsageTable } from "./usage-table";

export interface ReadUsageOptions {
  /**
   * Keep only these keys (rows are summed over the others); each must be a column of every
   * file. @default every key column found in the first file
   */
  readonly groupBy?: readonly UsageKey[];
}

interface Acc {
  partition: string;
  values: string[];
  sum: ExactSum;
}

/** Files up to this size are read whole; larger ones stream (flat memory). */
const SMALL_FILE_BYTES = 4 * 1024 * 1024;

const SEP = "\u0001";
const FAST_INT = /^\d{1,15}$/;

/** A bad value in data record N (the header is record 1); its line is found afterwards. */
class RowProblem extends Error {
  constructor(
    message: string,
    readonly record: number,
  ) {
    super(message);
  }
}

/**
 * The line on which record N ends. Found by a second pass only when a row is bad, so the
 * happy path does not pay for line tracking.
 */
async function lineOfRecord(file: string, record: number): Promise<number | undefined> {
  const parser = createReadStream(file).pipe(
    parse({ bom: true, skip_empty_lines: true, info: true, to: record }),
  );
  let line: number | undefined;
  try {
    for await (const r of parser as AsyncIterable<{ info: { lines: number } }>) line = r.info.lines;
  } catch {
    return undefined;
  }
  return line;
}

/** Reads one or more exports into one table; files are merged by partition and group. */
export async function readUsageCsv(
  files: string | readonly string[],
  options: ReadUsageOptions = {},
): Promise<UsageTable> {
  const list = typeof files === "string" ? [files] : [...files];
  if (list.length === 0) throw new MalformedCsvError("(no file)", "no CSV file given");
  const acc = new Map<string, Acc>();
  let keys: UsageKey[] | undefined = options.groupBy ? [...options.groupBy] : undefined;
  let inputRows = 0;
  const ignored = new Set<string>();
  const warnings: string[] = [];
  const partitionOwner = new Map<string, string>();
  const duplicated = new Set<string>();
  let maxRows = 0;
  let fullest = new Set<string>();

  for (const file of list) {
    try {
      await fsp.access(file);
    } catch {
      throw new MalformedCsvError(file, "cannot be read (no such file, or no permission)");
    }
    const perPartition = new Map<string, number>();
    let map: ColumnMap | undefined;
    let idx: number[] = [];
    let recordNo = 1;
    let lastTs: string | undefined;
    let lastPartition: string | undefined;
    const options = { bom: true, skip_empty_lines: true, relax_column_count: false, trim: false };
    // Small files (most cached windows) are parsed in one call; large ones stream.
    const small = (await fsp.stat(file)).size <= SMALL_FILE_BYTES;
    const parser = small ? undefined : createReadStream(file).pipe(parse(options));
    try {
      const onRecord = (record: string[]): void => {
        if (!map) {
          const mapped = mapColumns(record);
          if (!mapped.map) {
            throw new MalformedCsvError(
              file,
              `not a usage export: needs ${mapped.missing.join(" and ")}; saw headers: ${record.map((h) => JSON.stringify(h)).join(", ") || "(none)"}`,
              1,
            );
          }
          map = mapped.map;
          const m = map;
          keys ??= USAGE_KEYS.filter((k) => m.keys[k] !== undefined);
          const absent = keys.filter((k) => m.keys[k] === undefined);
          if (absent.length) {
            throw new MalformedCsvError(
              file,
              `has no column for ${absent.map((k) => `${k} (${KEY_ALIASES[k].join(" / ")})`).join(", ")}; ` +
                `saw headers: ${record.join(", ")}. Export it with group_by=${absent.join(",")} or drop the key.`,
              1,
            );
          }
          idx = keys.map((k) => m.keys[k] as number);
          for (const h of m.ignored) ignored.add(h);
          return;
        }
        inputRows++;
        recordNo++;
        const ts = record[map.timestamp];
        const partition = ts === lastTs ? lastPartition : partitionDate(ts);
        lastTs = ts;
        lastPartition = partition;
        if (partition === undefined) {
          throw new RowProblem(`"${ts}" is not a UTC timestamp or date`, recordNo);
        }
        const raw = record[map.quantity];
        const unit = map.unit >= 0 ? record[map.unit] : "bytes";
        const values = idx.map((i) => record[i]);
        const id = partition + SEP + values.join(SEP);
        let a = acc.get(id);
        if (!a) acc.set(id, (a = { partition, values, sum: new ExactSum() }));
        if (FAST_INT.test(raw) && (map.unit < 0 || unit === "bytes")) {
          a.sum.addSmall(Number(raw));
        } else {
          const factor = unitFactor(unit);
          if (factor === undefined) {
            throw new RowProblem(`unknown consumption_unit "${unit}" (expected bytes)`, recordNo);
          }
          const q = parseQuantity(raw, factor);
          if (q === undefined)
            throw new RowProblem(`quantity "${raw}" is not a non-negative number`, recordNo);
          a.sum.addBig(q);
        }
        perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
      };
      if (parser) {
        for await (const record of parser as AsyncIterable<string[]>) onRecord(record);
      } else {
        for (const record of parseSync(await fsp.readFile(file), options) as string[][])
          onRecord(record);
      }
    } catch (e) {
      parser?.destroy();
      if (e instanceof MalformedCsvError) throw e;
      if (e instanceof RowProblem) {
        throw new MalformedCsvError(file, e.message, await lineOfRecord(file, e.record));
      }
      const err = e as { code?: string; message?: string; lines?: number };
      throw new MalformedCsvError(
        file,
        `is not valid CSV (${err.code ?? "error"}: ${(err.message ?? "").split("\n")[0]})`,
        err.lines,
      );
    }
    if (!map) throw new MalformedCsvError(file, "is empty: no header row");

    for (const [p, n] of perPartition) {
      const owner = partitionOwner.get(p);
      if (owner !== undefined && owner !== file) duplicated.add(p);
      else partitionOwner.set(p, file);
      if (n > maxRows) {
        maxRows = n;
        fullest = new Set([p]);
      } else if (n === maxRows) fullest.add(p);
    }
  }

  if (duplicated.size) {
    const sample = [...duplicated].sort().slice(0, 3).join(", ");
    warnings.push(
      `${duplicated.size} partition(s) (${sample}${duplicated.size > 3 ? ", ..." : ""}) appear in more than one file; ` +
        "their rows were added together, which double-counts unless the files hold different filters.",
    );
  }

  const rows: UsageRow[] = [];
  let total = 0n;
  const k = keys ?? [];
  for (const a of acc.values()) {
    const group: Partial<Record<UsageKey, string>> = {};
    k.forEach((key, i) => (group[key] = a.values[i]));
    const bytes = a.sum.value;
    total += bytes;
    rows.push({ partition: a.partition, group, bytes });
  }
  rows.sort((x, y) =>
    x.partition !== y.partition
      ? x.partition < y.partition
        ? -1
        : 1
      : y.bytes > x.bytes
        ? 1
        : y.bytes < x.bytes
          ? -1
          : 0,
  );
  return {
    files: list,
    keys: k,
    rows,
    totalBytes: total,
    inputRows,
    maxRowsPerPartition: maxRows,
    fullestPartitions: [...fullest].sort(),
    ignoredColumns: [...ignored],
    warnings,
  };
}
