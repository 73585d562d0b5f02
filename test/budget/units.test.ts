import fc from "fast-check";
import { formatBytes, parseSize, tryParseSize } from "../../src/budget/units";

describe("sizes", () => {
  it.each([
    ["2 TB", 2_000_000_000_000n],
    ["1.5TB", 1_500_000_000_000n],
    ["400 GiB", 400n * 1024n ** 3n],
    ["750 MB", 750_000_000n],
    ["1 kB", 1000n],
    ["1 KiB", 1024n],
    ["12", 12n],
    ["0.5 B", 1n],
    [" 3 pib ", 3n * 1024n ** 5n],
    [1500, 1500n],
  ])("%j is %s bytes", (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(["2 TBs", "two TB", "-1 GB", "1e3 GB", "", "GB", "1,5 GB", "2 Tb/s"])(
    "%j is not a size, and the error shows how to write one",
    (text) => {
      expect(tryParseSize(text)).toBeUndefined();
      expect(() => parseSize(text, "max")).toThrow(
        `max: ${JSON.stringify(text)} is not a size; write e.g. "2 TB", "1.5TB", "400 GiB", "750 MB" or a number of bytes`,
      );
    },
  );

  it("rejects unsafe or negative numbers", () => {
    expect(tryParseSize(-1)).toBeUndefined();
    expect(tryParseSize(1.5)).toBeUndefined();
    expect(tryParseSize(2 ** 60)).toBeUndefined();
  });

  it("prints decimal, three significant digits", () => {
    expect(formatBytes(0n)).toBe("0 B");
    expect(formatBytes(999n)).toBe("999 B");
    expect(formatBytes(1_000n)).toBe("1 kB");
    expect(formatBytes(1_234_567_890_123n)).toBe("1.23 TB");
    expect(formatBytes(400n * 1024n ** 3n)).toBe("429 GB");
    expect(formatBytes(-1_830_000_000n)).toBe("-1.83 GB");
  });

  it("property: every whole number of every unit parses exactly", () => {
    const units: [string, bigint][] = [
      ["B", 1n],
      ["kB", 1000n],
      ["MB", 10n ** 6n],
      ["GB", 10n ** 9n],
      ["TB", 10n ** 12n],
      ["PB", 10n ** 15n],
      ["KiB", 1024n],
      ["MiB", 1024n ** 2n],
      ["GiB", 1024n ** 3n],
      ["TiB", 1024n ** 4n],
      ["PiB", 1024n ** 5n],
    ];
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.constantFrom(...units),
        fc.boolean(),
        (n, [unit, factor], space) => {
          expect(parseSize(`${n}${space ? " " : ""}${unit}`)).toBe(n * factor);
        },
      ),
    );
  });

  it("property: decimals are exact, and formatting reads back within 0.5%", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 6 }),
        fc.integer({ min: 0, max: 999 }),
        (whole, frac) => {
          const bytes = parseSize(`${whole}.${String(frac).padStart(3, "0")} GB`);
          expect(bytes).toBe(BigInt(whole) * 10n ** 9n + BigInt(frac) * 10n ** 6n);
          const back = parseSize(formatBytes(bytes));
          const diff = back > bytes ? back - bytes : bytes - back;
          expect(diff * 200n <= bytes).toBe(true);
        },
      ),
    );
  });
});
