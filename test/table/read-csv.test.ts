import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MalformedCsvError } from "../../src/errors";
import { partitionDate } from "../../src/table/columns";
import { bigintJson, parseQuantity } from "../../src/table/quantity";
import { readUsageCsv } from "../../src/table/read-csv";
import { groupTotals, partitionTotals } from "../../src/table/usage-table";
import { tempDir } from "../helpers";

const dir = tempDir();
let n = 0;
function csv(text: string | Buffer): string {
  const file = join(dir, `f${n++}.csv`);
  writeFileSync(file, text);
  return file;
}

describe("readUsageCsv", () => {
  it("GIVEN JFrog's log column names THEN it sums by partition and group", async () => {
    const file = csv(
      "billing_timestamp,repository,user_name,consumption_unit,quantity\n" +
        "2026-11-01T00:00:00Z,npm-remote,alice,bytes,100\n" +
        "2026-11-01T00:00:00Z,npm-remote,bob,bytes,50\n" +
        "2026-11-02T00:00:00Z,docker-remote,alice,bytes,7\n",
    );
    const t = await readUsageCsv(file);
    expect(t.keys).toEqual(["repository", "username"]);
    expect(t.totalBytes).toBe(157n);
    expect(t.inputRows).toBe(3);
    expect(groupTotals(t, ["repository"])).toEqual([
      { key: { repository: "npm-remote" }, bytes: 150n },
      { key: { repository: "docker-remote" }, bytes: 7n },
    ]);
    expect(groupTotals(t, ["username"])[0]).toEqual({ key: { username: "alice" }, bytes: 107n });
    expect(partitionTotals(t)).toEqual([
      { partition: "2026-11-01", bytes: 150n },
      { partition: "2026-11-02", bytes: 7n },
    ]);
    expect(t.maxRowsPerPartition).toBe(2);
    expect(t.fullestPartitions).toEqual(["2026-11-01"]);
  });

  it("handles a BOM, CRLF, quoted fields with commas, quotes and newlines, and odd header spelling", async () => {
    const file = csv(
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(
          'Timestamp,"Artifact Path",Consumption-Unit,Quantity\r\n' +
            '2026-11-01 00:00:00,"a,b/""c""\nd",bytes,10\r\n' +
            "2026-11-01 00:00:00,plain,bytes,5\r\n",
        ),
      ]),
    );
    const t = await readUsageCsv(file);
    expect(t.keys).toEqual(["artifact_path"]);
    expect(groupTotals(t, ["artifact_path"])).toEqual([
      { key: { artifact_path: 'a,b/"c"\nd' }, bytes: 10n },
      { key: { artifact_path: "plain" }, bytes: 5n },
    ]);
  });

  it("sums exactly past 2^53", async () => {
    const big = 2n ** 60n + 3n;
    const rows = Array.from({ length: 5 }, () => `2026-11-01T00:00:00Z,bytes,${big}`).join("\n");
    const small = Array.from(
      { length: 3000 },
      () => "2026-11-02T00:00:00Z,bytes,999999999999999",
    ).join("\n");
    const t = await readUsageCsv(
      csv(`billing_timestamp,consumption_unit,quantity\n${rows}\n${small}\n`),
    );
    expect(t.totalBytes).toBe(big * 5n + 999999999999999n * 3000n);
    expect(bigintJson({ total: t.totalBytes })).toBe(
      `{"total":${big * 5n + 999999999999999n * 3000n}}`,
    );
  });

  it("converts other units and decimals exactly, rounding half up", async () => {
    const t = await readUsageCsv(
      csv(
        "date,unit,quantity\n2026-11-01,GB,1.5\n2026-11-01,KiB,2\n2026-11-01,bytes,1e3\n2026-11-01,MB,0.0000005\n",
      ),
    );
    expect(t.totalBytes).toBe(1_500_000_000n + 2048n + 1000n + 1n);
    expect(parseQuantity("0.4", 1n)).toBe(0n);
    expect(parseQuantity("-1", 1n)).toBeUndefined();
  });

  it("assumes bytes when there is no unit column, and keeps only the keys asked for", async () => {
    const t = await readUsageCsv(
      csv(
        "partition,repository,action,bytes\n2026-11,a,upload,1\n2026-11,a,download,2\n2026-12,b,upload,4\n",
      ),
      {
        groupBy: ["repository"],
      },
    );
    expect(t.keys).toEqual(["repository"]);
    expect(t.rows).toEqual([
      { partition: "2026-11-01", group: { repository: "a" }, bytes: 3n },
      { partition: "2026-12-01", group: { repository: "b" }, bytes: 4n },
    ]);
  });

  it("streams files too large to read whole, with the same sums and line numbers", async () => {
    const rows: string[] = [];
    let expected = 0n;
    for (let i = 0; i < 120_000; i++) {
      const bytes = BigInt(1_000_000_007 * (i % 97) + i);
      expected += bytes;
      rows.push(
        `2026-11-${String((i % 28) + 1).padStart(2, "0")}T00:00:00Z,"repo,${i % 13}",bytes,${bytes}`,
      );
    }
    const text = `billing_timestamp,repository,consumption_unit,quantity\n${rows.join("\n")}\n`;
    expect(text.length).toBeGreaterThan(4 * 1024 * 1024);
    const t = await readUsageCsv(csv(text));
    expect(t.totalBytes).toBe(expected);
    expect(t.inputRows).toBe(120_000);
    expect(groupTotals(t, ["repository"])).toHaveLength(13);
    const bad = csv(`${text}2026-11-01T00:00:00Z,x,bytes,oops\n`);
    const e = await readUsageCsv(bad).catch((x: Error) => x);
    expect((e as Error).message).toBe(
      `${bad}:120002: quantity "oops" is not a non-negative number`,
    );
  });

  it("merges several files and warns when a partition appears twice", async () => {
    const a = csv("billing_timestamp,quantity\n2026-11-01T00:00:00Z,1\n2026-11-02T00:00:00Z,2\n");
    const b = csv("billing_timestamp,quantity\n2026-11-02T00:00:00Z,4\n2026-11-03T00:00:00Z,8\n");
    const t = await readUsageCsv([a, b]);
    expect(t.totalBytes).toBe(15n);
    expect(t.warnings).toEqual([
      "1 partition(s) (2026-11-02) appear in more than one file; their rows were added together, which double-counts unless the files hold different filters.",
    ]);
  });

  describe("errors a user can act on", () => {
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as MalformedCsvError,
      );

    it("unexpected headers: lists what it saw and what it needed", async () => {
      const file = csv("when,what,how_much\n2026-11-01,x,1\n");
      const e = await fail(readUsageCsv(file));
      expect(e).toBeInstanceOf(MalformedCsvError);
      expect(e?.message).toBe(
        `${file}:1: not a usage export: needs a timestamp column (billing_timestamp, timestamp, partition, ...) and a quantity column (quantity, bytes, usage, ...); saw headers: "when", "what", "how_much"`,
      );
      expect(e?.exitCode).toBe(2);
    });

    it("a key asked for that the file lacks", async () => {
      const e = await fail(
        readUsageCsv(csv("billing_timestamp,quantity\n2026-11-01,1\n"), {
          groupBy: ["repository"],
        }),
      );
      expect(e?.message).toMatch(
        /has no column for repository \(repository \/ repo \/ .*\); saw headers: billing_timestamp, quantity\. Export it with group_by=repository/,
      );
    });

    it("a bad number names its line", async () => {
      const file = csv("billing_timestamp,quantity\n2026-11-01,1\n2026-11-02,12abc\n");
      expect((await fail(readUsageCsv(file)))?.message).toBe(
        `${file}:3: quantity "12abc" is not a non-negative number`,
      );
    });

    it("a negative number, a bad timestamp, an unknown unit", async () => {
      expect((await fail(readUsageCsv(csv("date,quantity\n2026-11-01,-5\n"))))?.message).toMatch(
        /:2: quantity "-5"/,
      );
      expect((await fail(readUsageCsv(csv("date,quantity\n2026-13-01,5\n"))))?.message).toMatch(
        /:2: "2026-13-01" is not a UTC timestamp or date/,
      );
      expect(
        (await fail(readUsageCsv(csv("date,unit,quantity\n2026-11-01,widgets,5\n"))))?.message,
      ).toMatch(/:2: unknown consumption_unit "widgets"/);
    });

    it("a row with the wrong number of fields, an unclosed quote, an empty file, a missing file", async () => {
      expect((await fail(readUsageCsv(csv("date,quantity\n2026-11-01,5,9\n"))))?.message).toMatch(
        /is not valid CSV \(CSV_RECORD_INCONSISTENT_FIELDS_LENGTH/,
      );
      expect((await fail(readUsageCsv(csv('date,quantity\n2026-11-01,"5\n'))))?.message).toMatch(
        /is not valid CSV \(CSV_QUOTE_NOT_CLOSED/,
      );
      expect((await fail(readUsageCsv(csv(""))))?.message).toMatch(/is empty: no header row/);
      expect((await fail(readUsageCsv(join(dir, "missing.csv"))))?.message).toMatch(
        /missing.csv: cannot be read/,
      );
    });
  });
});

describe("partitionDate", () => {
  it.each([
    ["2026-11-01T00:00:00Z", "2026-11-01"],
    ["2026-11-01T00:00:00.000Z", "2026-11-01"],
    ["2026-11-01 00:00:00", "2026-11-01"],
    ["2026-11-01 00:00:00 UTC", "2026-11-01"],
    ["2026-11", "2026-11-01"],
    ["2026-11-01T00:00:00+00:00", "2026-11-01"],
    ["2026-11-01T01:00:00+02:00", "2026-10-31"],
  ])("%s is %s", (text, day) => expect(partitionDate(text)).toBe(day));
  it.each(["yesterday", "2026-02-30", "11/01/2026", ""])("%s is not a date", (text) =>
    expect(partitionDate(text)).toBeUndefined(),
  );
});

describe("properties", () => {
  const row = fc.record({
    day: fc.integer({ min: 1, max: 28 }),
    repo: fc.constantFrom("a", "b", "c,d", 'q"x'),
    action: fc.constantFrom("upload", "download"),
    bytes: fc.bigInt({ min: 0n, max: 2n ** 62n }),
  });
  const line = (r: { day: number; repo: string; action: string; bytes: bigint }) =>
    `2026-11-${String(r.day).padStart(2, "0")}T00:00:00Z,${r.action},"${r.repo.replace(/"/g, '""')}",bytes,${r.bytes}`;

  it("the sum over groups equals the total, and both equal the sum of the rows", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 60 }), async (rows) => {
        const file = csv(
          `billing_timestamp,action,repository,consumption_unit,quantity\n${rows.map(line).join("\n")}\n`,
        );
        const t = await readUsageCsv(file);
        const expected = rows.reduce((s, r) => s + r.bytes, 0n);
        expect(t.totalBytes).toBe(expected);
        for (const keys of [["repository"], ["action"], ["action", "repository"], []] as const) {
          expect(groupTotals(t, keys).reduce((s, g) => s + g.bytes, 0n)).toBe(expected);
        }
        expect(partitionTotals(t).reduce((s, p) => s + p.bytes, 0n)).toBe(expected);
      }),
      { numRuns: 40 },
    );
  });

  it("merging files in any order gives the same table", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(row, { maxLength: 15 }), { minLength: 1, maxLength: 4 }),
        fc.integer(),
        async (parts, seed) => {
          const files = parts.map((rows) =>
            csv(
              `billing_timestamp,action,repository,consumption_unit,quantity\n${rows.map(line).join("\n")}\n`,
            ),
          );
          const shuffled = [...files].sort(
            (a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 17 + seed) % 5),
          );
          const [x, y] = [await readUsageCsv(files), await readUsageCsv(shuffled)];
          expect(groupTotals(y, ["action", "repository"])).toEqual(
            groupTotals(x, ["action", "repository"]),
          );
          expect(y.totalBytes).toBe(x.totalBytes);
        },
      ),
      { numRuns: 25 },
    );
  });
});
