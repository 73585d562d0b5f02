/**
 * Sizes as people write them, exactly. Decimal units (kB, MB, GB, TB, PB) are powers of
 * 1000, as JFrog bills; binary units (KiB, MiB, GiB, TiB, PiB) are powers of 1024. Printing
 * is always decimal. Hand-written because no maintained package parses to exact BigInt
 * bytes while keeping KB and KiB apart.
 */
import { InvalidInputError } from "../errors";
import { parseQuantity, unitFactor } from "../table/quantity";

const SIZE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i;

export const SIZE_EXAMPLE = `write e.g. "2 TB", "1.5TB", "400 GiB", "750 MB" or a number of bytes`;

/** Parses a size to exact bytes (rounded half up); undefined when it is not a size. */
export function tryParseSize(input: string | number | bigint): bigint | undefined {
  if (typeof input === "bigint") return input >= 0n ? input : undefined;
  if (typeof input === "number") {
    return Number.isSafeInteger(input) && input >= 0 ? BigInt(input) : undefined;
  }
  const m = SIZE.exec(input);
  if (!m) return undefined;
  const factor = unitFactor(m[2] || "b");
  if (factor === undefined) return undefined;
  return parseQuantity(m[1], factor);
}

/** Parses a size or throws an error that shows how to write one. */
export function parseSize(input: string | number | bigint, what = "size"): bigint {
  const v = tryParseSize(input);
  if (v === undefined)
    throw new InvalidInputError(
      `${what}: ${JSON.stringify(String(input))} is not a size; ${SIZE_EXAMPLE}`,
    );
  return v;
}

const STEPS: [bigint, string][] = [
  [1000n ** 5n, "PB"],
  [1000n ** 4n, "TB"],
  [1000n ** 3n, "GB"],
  [1000n ** 2n, "MB"],
  [1000n, "kB"],
];

/** Decimal, three significant digits at most: "1.23 TB", "987 GB", "12 B". */
export function formatBytes(bytes: bigint | number): string {
  const b = typeof bytes === "bigint" ? bytes : BigInt(Math.round(bytes));
  const neg = b < 0n;
  const abs = neg ? -b : b;
  for (const [size, unit] of STEPS) {
    if (abs >= size) {
      const value = Number((abs * 1000n) / size) / 1000;
      const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
      let text = value.toFixed(digits);
      if (text.includes(".")) text = text.replace(/\.?0+$/, "");
      return `${neg ? "-" : ""}${text} ${unit}`;
    }
  }
  return `${neg ? "-" : ""}${abs} B`;
}
