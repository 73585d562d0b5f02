/** Exact quantities: CSV numbers to integer bytes, sums past 2^53. */

const UNIT_FACTORS: Record<string, bigint> = {
  "": 1n,
  b: 1n,
  byte: 1n,
  bytes: 1n,
  kb: 1000n,
  mb: 1000n ** 2n,
  gb: 1000n ** 3n,
  tb: 1000n ** 4n,
  pb: 1000n ** 5n,
  kib: 1024n,
  mib: 1024n ** 2n,
  gib: 1024n ** 3n,
  tib: 1024n ** 4n,
  pib: 1024n ** 5n,
};

/** Bytes per unit for a `consumption_unit` value; undefined when unknown. */
export function unitFactor(unit: string): bigint | undefined {
  return UNIT_FACTORS[unit.trim().toLowerCase()];
}

const DECIMAL = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Integer bytes for a non-negative decimal quantity times a unit, rounded half up; undefined
 * when the text is not a non-negative number.
 */
export function parseQuantity(text: string, factor: bigint): bigint | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return undefined;
  const frac = m[2] ?? "";
  const digits = BigInt((m[1] || "0") + frac);
  const scale = Number(m[3] ?? 0) - frac.length;
  if (Math.abs(scale) > 40) return undefined;
  if (scale >= 0) return digits * factor * 10n ** BigInt(scale);
  const div = 10n ** BigInt(-scale);
  const n = digits * factor;
  return (n * 2n + div) / (2n * div);
}

const SAFE_SMALL = 2 ** 52;

/** A running sum that stays in fast floating-point integers while exact, then moves to BigInt. */
export class ExactSum {
  private small = 0;
  private big = 0n;

  /** Adds a non-negative integer below 2^52 (fast path). */
  addSmall(n: number): void {
    this.small += n;
    if (this.small >= SAFE_SMALL) {
      this.big += BigInt(this.small);
      this.small = 0;
    }
  }

  addBig(n: bigint): void {
    this.big += n;
  }

  get value(): bigint {
    return this.big + BigInt(this.small);
  }
}

/** Formats an exact integer for JSON: digits, never a lossy float. */
export function bigintJson(value: unknown, indent?: number): string {
  const marker = "\u0000big:";
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === "bigint" ? `${marker}${v.toString()}` : v),
    indent,
  );
  return text.replace(/"\\u0000big:(-?\d+)"/g, "$1");
}
