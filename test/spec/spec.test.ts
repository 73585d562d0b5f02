import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidQueryError } from "../../src/errors";
import { UsagePeriod } from "../../src/query/period";
import { parseSpec, queryOf, readSpecFile, specToJson } from "../../src/spec/spec";
import { tempDir } from "../helpers";

const NOW = Date.parse("2026-12-03T12:00:00Z");
const good = {
  version: 1,
  name: "transfer",
  report: {
    period: "month-to-date",
    groupBy: ["repository", "action"],
    filterBy: { server_name: ["acme"] },
  },
  limits: [{ max: "2 TB" }, { max: "400 GB", per: "repository" }],
};

describe("budget spec", () => {
  it("parses, resolves the period on the day, and round-trips", () => {
    const spec = parseSpec(good, "spec.json", NOW);
    expect(queryOf(spec.report, NOW)).toMatchObject({
      startDate: "2026-12-01",
      endDate: "2026-12-04",
      periodEnd: "2027-01-01",
    });
    const again = parseSpec(JSON.parse(specToJson(spec)), "again", NOW);
    expect(again.report.period).toEqual(UsagePeriod.monthToDate());
    expect(again.limits).toEqual(spec.limits);
  });

  it.each([
    ["previous-month", "2026-11-01", "2026-12-01"],
    ["last-7-days", "2026-11-26", "2026-12-03"],
    [{ startDate: "2026-10-01", endDate: "2026-11-01" }, "2026-10-01", "2026-11-01"],
    [{ kind: "lastDays", days: 1 }, "2026-12-02", "2026-12-03"],
  ])("period %j", (period, startDate, endDate) => {
    const spec = parseSpec({ ...good, report: { ...good.report, period } }, "s", NOW);
    expect(spec.report.period.resolve({ now: () => NOW, sleep: async () => {} })).toMatchObject({
      startDate,
      endDate,
    });
  });

  it("lists every problem at once, each with its path", () => {
    let e: InvalidQueryError | undefined;
    try {
      parseSpec(
        {
          version: 2,
          colour: 1,
          report: { period: "fortnight", groupBy: ["repo"], extra: true },
          limits: [{ max: "2 TB", per: "user" }],
        },
        "spec.json",
        NOW,
      );
    } catch (x) {
      e = x as InvalidQueryError;
    }
    expect(e?.problems).toEqual([
      'unknown property "colour"; known: version, name, report, limits, onApiError',
      "version: 2 is not supported (this is version 1)",
      'report: unknown property "extra"; known: period, partitionBy, partitionGroupLimit, filterBy, groupBy',
      'report.period: "fortnight" is not a period; write "month-to-date", "previous-month", "last-30-days" or { "startDate": "2026-11-01", "endDate": "2026-12-01" }',
    ]);
    expect(e?.message).toMatch(/^spec.json has 4 problems:/);
  });

  it("checks limits against the report's shape and query rules against today", () => {
    expect(() =>
      parseSpec({ ...good, limits: [{ max: "1 TB", per: "username" }] }, "s", NOW),
    ).toThrow(/per "username" needs the report grouped by username/);
    expect(() =>
      parseSpec(
        {
          ...good,
          report: { ...good.report, period: { startDate: "2024-01-01", endDate: "2024-02-01" } },
        },
        "s",
        NOW,
      ),
    ).toThrow(/report.startDate: 2024-01-01 is older than the 558 days/);
    expect(
      parseSpec(
        {
          ...good,
          report: { ...good.report, period: { startDate: "2024-01-01", endDate: "2024-02-01" } },
        },
        "s",
        NOW,
        true,
      ),
    ).toBeDefined();
  });

  it("reads a file and says what is wrong with it", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.json"), "{ not json");
    expect(() => readSpecFile(join(dir, "bad.json"), NOW)).toThrow(/bad.json: not valid JSON/);
    expect(() => readSpecFile(join(dir, "missing.json"), NOW)).toThrow(
      /--spec: cannot read .*missing.json \(ENOENT\)/,
    );
    writeFileSync(join(dir, "ok.json"), JSON.stringify(good));
    expect(readSpecFile(join(dir, "ok.json"), NOW).name).toBe("transfer");
  });
});
