import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EvaluateOptions, Verdict, evaluateBudget } from "../../src/budget/evaluate";
import { BudgetLimit, limitProblems } from "../../src/budget/limit";
import { InvalidInputError } from "../../src/errors";
import { UsageKey } from "../../src/query/constraints";
import { readUsageCsv } from "../../src/table/read-csv";
import { UsageRow, UsageTable } from "../../src/table/usage-table";
import { tempDir } from "../helpers";

const GB = 1_000_000_000n;

function table(
  rows: [string, Partial<Record<UsageKey, string>>, bigint][],
  keys: UsageKey[],
  extra: Partial<UsageTable> = {},
): UsageTable {
  const r: UsageRow[] = rows.map(([partition, group, bytes]) => ({ partition, group, bytes }));
  return {
    files: ["x.csv"],
    keys,
    rows: r,
    totalBytes: r.reduce((s, x) => s + x.bytes, 0n),
    inputRows: r.length,
    maxRowsPerPartition: 1,
    fullestPartitions: [],
    ignoredColumns: [],
    warnings: [],
    ...extra,
  };
}

// November, by repository and action: npm 300 GB (250 down), docker 500 GB (all down), maven 100 GB (up)
const nov = table(
  [
    ["2026-11-01", { repository: "npm", action: "download" }, 250n * GB],
    ["2026-11-01", { repository: "npm", action: "upload" }, 50n * GB],
    ["2026-11-02", { repository: "docker", action: "download" }, 500n * GB],
    ["2026-11-03", { repository: "maven", action: "upload" }, 100n * GB],
  ],
  ["repository", "action"],
);
const full: EvaluateOptions = {
  period: { startDate: "2026-11-01", endDate: "2026-12-01" },
  now: Date.parse("2026-12-03T00:00:00Z"),
};
const one = (t: UsageTable, l: BudgetLimit, o: EvaluateOptions = full) => evaluateBudget(t, [l], o);

describe("GIVEN a limit on the whole report", () => {
  it.each([
    ["900.000000001 GB", true],
    ["900 GB", true],
    ["899999999999", false],
  ])("max %s: within is %s (just over, at, just under the 900 GB measured)", (max, ok) => {
    expect(one(nov, { max }).limits[0].ok).toBe(ok);
  });
  it("reports measured, limit, headroom and status", () => {
    const v = one(nov, { max: "1 TB" });
    expect(v.status).toBe("ok");
    expect(v.limits[0]).toMatchObject({
      id: "total",
      scope: "total",
      measured: 900n * GB,
      limit: 1000n * GB,
      headroom: 100n * GB,
      ok: true,
    });
    const over = one(nov, { max: "899 GB" });
    expect(over.status).toBe("fail");
    expect(over.limits[0].headroom).toBe(-1n * GB);
    expect(over.limits[0].summary).toBe("total: 900 GB used, over 899 GB by 1 GB");
  });
});

describe("GIVEN a limit per group", () => {
  it("names every group over it, largest first", () => {
    const v = one(nov, { max: "299 GB", per: "repository" });
    const r = v.limits[0];
    expect(r.ok).toBe(false);
    expect(r.offenders.map((o) => [o.key, o.value, o.excess])).toEqual([
      [{ repository: "docker" }, 500n * GB, 201n * GB],
      [{ repository: "npm" }, 300n * GB, 1n * GB],
    ]);
    expect(r.measured).toBe(500n * GB);
    expect(r.groups).toBe(3);
    expect(r.summary).toBe(
      "per repository: 2 of 3 over 299 GB: docker 500 GB (+201 GB), npm 300 GB (+1 GB)",
    );
  });
  it("at the largest group's value passes", () => {
    expect(one(nov, { max: "500 GB", per: "repository" }).limits[0].ok).toBe(true);
    expect(
      one(nov, { max: 500n * GB - 1n + "", per: "repository" }).limits[0].offenders,
    ).toHaveLength(1);
  });
  it("shows the top ten and counts the rest", () => {
    const many = table(
      Array.from(
        { length: 25 },
        (_, i) =>
          ["2026-11-01", { repository: `r${i}` }, BigInt(100 + i)] as [
            string,
            Partial<Record<UsageKey, string>>,
            bigint,
          ],
      ),
      ["repository"],
    );
    const r = one(many, { max: "1", per: "repository" }).limits[0];
    expect(r.offenders).toHaveLength(10);
    expect(r.offenders[0].key).toEqual({ repository: "r24" });
    expect(r.moreOffenders).toBe(15);
  });
});

describe("GIVEN a limit on a subset", () => {
  it("counts only the rows that match", () => {
    const r = one(nov, { max: "750 GB", where: { action: ["download"] } }).limits[0];
    expect(r).toMatchObject({ id: "action_download", measured: 750n * GB, ok: true });
    expect(one(nov, { max: "749 GB", where: { action: ["download"] } }).limits[0].ok).toBe(false);
  });
  it("combines where and per", () => {
    const r = one(nov, { max: "200 GB", where: { action: ["upload"] }, per: "repository" })
      .limits[0];
    expect(r.offenders).toEqual([]);
    expect(r.measured).toBe(100n * GB);
  });
  it("uses the report's own filter when the key is filtered, not grouped", () => {
    const onlyDownloads = table([["2026-11-01", { repository: "npm" }, 10n]], ["repository"]);
    const o = { ...full, reportFilter: { action: ["download"] } };
    expect(
      one(onlyDownloads, { max: "5", where: { action: ["download"] } }, o).limits[0].measured,
    ).toBe(10n);
    expect(
      one(onlyDownloads, { max: "5", where: { action: ["upload"] } }, o).limits[0].measured,
    ).toBe(0n);
  });
});

describe("GIVEN a share of a quota", () => {
  it("80% of 1 TB is 800 GB", () => {
    const r = one(nov, { max: "80%", of: "1 TB" }).limits[0];
    expect(r.limit).toBe(800n * GB);
    expect(r.ok).toBe(false);
    expect(r.scope).toBe("total (80% of 1 TB)");
    expect(one(nov, { max: "90%", of: "1 TB" }).limits[0].ok).toBe(true);
  });
});

describe("GIVEN a forecast to the period's end", () => {
  const mtd: EvaluateOptions = {
    period: { startDate: "2026-12-01", endDate: "2026-12-04", periodEnd: "2027-01-01" },
    now: Date.parse("2026-12-03T12:00:00Z"),
  };
  const dec = table(
    [
      ["2026-12-01", {}, 100n * GB],
      ["2026-12-02", {}, 100n * GB],
      ["2026-12-03", {}, 50n * GB],
    ],
    [],
  );
  it("projects linearly from the time elapsed: 250 GB in 2.5 days → 3.1 TB in 31 days", () => {
    const r = one(dec, { max: "3.1 TB", forecast: "period-end" }, mtd).limits[0];
    expect(r.measured).toBe(3100n * GB);
    expect(r.ok).toBe(true);
    expect(r.method).toBe(
      "linear projection to 2027-01-01: usage over the first 2.50 day(s) × 31/2.50",
    );
    expect(one(dec, { max: 3100n * GB - 1n + "", forecast: "period-end" }, mtd).limits[0].ok).toBe(
      false,
    );
  });
  it("is the measured value once the period is over", () => {
    const r = one(nov, { max: "1 TB", forecast: "period-end" }).limits[0];
    expect(r.measured).toBe(900n * GB);
    expect(r.method).toMatch(/the period is over/);
  });
});

describe("GIVEN a growth limit", () => {
  const o: EvaluateOptions = {
    period: { startDate: "2026-11-08", endDate: "2026-11-15" },
    now: Date.parse("2026-12-03T00:00:00Z"),
    previous: table(
      [
        ["2026-11-01", { repository: "npm" }, 700n],
        ["2026-11-01", { repository: "docker" }, 700n],
      ],
      ["repository"],
    ),
  };
  const cur = table(
    [
      ["2026-11-08", { repository: "npm" }, 910n],
      ["2026-11-08", { repository: "docker" }, 700n],
      ["2026-11-08", { repository: "new" }, 5n],
    ],
    ["repository"],
  );
  it("compares daily rates with the previous period of the same length", () => {
    const total = one(cur, { maxGrowth: "15%" }, o).limits[0];
    expect(total.measured).toBe(15.4);
    expect(total.ok).toBe(false);
    expect(one(cur, { maxGrowth: "15.4%" }, o).limits[0].ok).toBe(true);
    const per = one(cur, { maxGrowth: "29%", per: "repository" }, o).limits[0];
    expect(per.offenders.map((x) => [x.key, x.value])).toEqual([[{ repository: "npm" }, 30]]);
    expect(per.method).toMatch(/1 group\(s\) with no previous usage not compared/);
  });
  it("without the previous period's data: says so", () => {
    expect(() => one(cur, { maxGrowth: "15%" }, { ...o, previous: undefined })).toThrow(
      /maxGrowth needs the previous period's usage/,
    );
  });
});

describe("levels, truncation and the overall status", () => {
  it("a warn breach warns and does not fail", () => {
    const v = evaluateBudget(nov, [{ max: "1 TB" }, { max: "1 GB", level: "warn" }], full);
    expect(v.status).toBe("warn");
    expect(v.limits.map((l) => [l.id, l.ok, l.level])).toEqual([
      ["total", true, "fail"],
      ["total_2", false, "warn"],
    ]);
  });
  it("a fail limit that passed on data that may be truncated is not trusted", () => {
    const t = { ...nov, maxRowsPerPartition: 2, fullestPartitions: ["2026-11-01"] };
    const v = evaluateBudget(t, [{ max: "1 TB" }], { ...full, partitionGroupLimit: 2 });
    expect(v.status).toBe("warn");
    expect(v.limits[0].trusted).toBe(false);
    expect(v.limits[0].summary).toMatch(/not trusted: some partitions hit the group limit/);
    expect(v.truncated).toEqual({ partitionGroupLimit: 2, partitions: ["2026-11-01"] });
    expect(v.warnings[0]).toMatch(
      /1 partition\(s\) returned exactly 2 rows, the partitionGroupLimit: totals may undercount/,
    );
    expect(evaluateBudget(t, [{ max: "1 TB" }], { ...full, partitionGroupLimit: 3 }).status).toBe(
      "ok",
    );
  });
});

describe("limits that cannot be evaluated are errors, never silent passes", () => {
  const shape = { groupBy: ["repository"] as UsageKey[], filterBy: { server_name: ["a", "b"] } };
  it.each([
    [{ max: "1 TB", per: "username" }, 'per "username" needs the report grouped by username'],
    [
      { max: "1 TB", where: { action: ["download"] } },
      "where.action needs the report grouped or filtered by action",
    ],
    [
      { max: "1 TB", where: { server_name: ["a"] } },
      "where.server_name keeps part of the report's filter",
    ],
    [{ max: "80%" }, 'max "80%" is a percentage; say of what quota'],
    [{ max: "1 TB", of: "2 TB" }, "of only goes with a percentage max"],
    [{ max: "lots" }, 'max "lots" is not a size'],
    [{ maxGrowth: "fast" }, 'maxGrowth "fast" must be a percentage'],
    [{ max: "1 TB", maxGrowth: "5%" }, "give exactly one of max"],
    [{}, "give exactly one of max"],
    [{ max: "1 TB", level: "panic" }, 'level must be "fail" or "warn"'],
    [{ max: "1 TB", forecast: "tomorrow" }, 'forecast must be "period-end"'],
    [{ max: "1 TB", id: "Total Budget" }, 'id "Total Budget" must be lower case'],
    [{ max: "1 TB", colour: "red" }, 'unknown property "colour"'],
  ])("%j", (limit, message) => {
    const problems = limitProblems([limit as BudgetLimit], shape);
    expect(problems.join("\n")).toContain(message);
  });
  it("evaluateBudget lists every problem at once", () => {
    expect(() => evaluateBudget(nov, [{ max: "x" }, { max: "1 TB", per: "ip" }], full)).toThrow(
      InvalidInputError,
    );
    expect(() => evaluateBudget(nov, [{ max: "x" }, { max: "1 TB", per: "ip" }], full)).toThrow(
      /The budget has 2 problem\(s\):\n {2}- limits\[0\]: max "x"/,
    );
  });
});

describe("property: the verdict does not depend on how the data was split into files", () => {
  const dir = tempDir();
  let n = 0;
  it("merging files in any order gives the same verdict", async () => {
    const row = fc.record({
      day: fc.integer({ min: 1, max: 9 }),
      repo: fc.constantFrom("a", "b", "c"),
      bytes: fc.bigInt({ min: 0n, max: 10n ** 13n }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(row, { maxLength: 10 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        async (parts, seed) => {
          const files = parts.map((rows) => {
            const f = join(dir, `p${n++}.csv`);
            writeFileSync(
              f,
              "billing_timestamp,repository,quantity\n" +
                rows.map((r) => `2026-11-0${r.day},${r.repo},${r.bytes}`).join("\n") +
                "\n",
            );
            return f;
          });
          const order = files
            .map((f, i) => [f, (i * 7919 + seed) % 11] as const)
            .sort((a, b) => a[1] - b[1])
            .map(([f]) => f);
          const limits: BudgetLimit[] = [
            { max: "20 TB" },
            { max: "8 TB", per: "repository" },
            { max: "5 TB", where: { repository: ["a"] } },
          ];
          const strip = (v: Verdict) => ({ ...v, artifacts: [] });
          const a = strip(evaluateBudget(await readUsageCsv(files), limits, full));
          const b = strip(evaluateBudget(await readUsageCsv(order), limits, full));
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 25 },
    );
  });
});
