import { ManualClock } from "../../src/clock";
import { InvalidQueryError } from "../../src/errors";
import { UsagePeriod } from "../../src/query/period";
import { addMonths, daysBetween, eachDay, parseIsoDate } from "../../src/query/dates";
import {
  encodeQuery,
  normalizeQuery,
  queryProblems,
  validateQuery,
  UsageQuery,
} from "../../src/query/query";
import { exportFileName } from "../../src/query/constraints";

const NOW = Date.parse("2026-12-03T10:00:00Z");
const ok: UsageQuery = { startDate: "2026-11-01", endDate: "2026-12-01" };

describe("dates", () => {
  it("rejects malformed and impossible dates", () => {
    expect(parseIsoDate("2026-02-29")).toBeUndefined();
    expect(parseIsoDate("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    expect(parseIsoDate("2026-1-01")).toBeUndefined();
    expect(parseIsoDate("2026-01-01T00:00:00Z")).toBeUndefined();
  });
  it("adds calendar months, clamping to the month's end", () => {
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2026-11-15", 3)).toBe("2027-02-15");
    expect([...eachDay("2026-02-27", "2026-03-02")]).toEqual([
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
    ]);
    expect(daysBetween("2025-12-31", "2026-12-31")).toBe(365);
  });
});

describe("validateQuery", () => {
  it("GIVEN a valid query THEN it is normalized with defaults", () => {
    const q = validateQuery(
      { ...ok, groupBy: ["repository", "action", "action"], filterBy: { server_name: ["b", "a"] } },
      { now: NOW },
    );
    expect(q).toEqual({
      scenario: "traffic",
      startDate: "2026-11-01",
      endDate: "2026-12-01",
      partitionBy: "day",
      partitionGroupLimit: 1999,
      filterBy: { server_name: ["a", "b"] },
      groupBy: ["action", "repository"],
    });
  });

  it("reports every problem at once, each naming the parameter", () => {
    const q = {
      startDate: "2026-02-30",
      endDate: "tomorrow",
      partitionGroupLimit: 2000,
      filterBy: { colour: ["red"], action: ["delete"], repository: [] },
      groupBy: ["colour"],
    } as unknown as UsageQuery;
    let error: unknown;
    try {
      validateQuery(q, { now: NOW });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidQueryError);
    const problems = (error as InvalidQueryError).problems;
    expect(problems).toEqual([
      'startDate: "2026-02-30" is not a date; write YYYY-MM-DD, e.g. 2026-01-01',
      'endDate: "tomorrow" is not a date; write YYYY-MM-DD (exclusive end), e.g. 2026-02-01',
      "partitionGroupLimit: 2000 must be a whole number from 1 to 1999",
      'filterBy: unknown key "colour"; valid keys are action, artifact_path, ip, package_type, project, repo_type, repository, server_name, service, username',
      'filterBy.action: "delete" is not one of upload, download',
      "filterBy.repository: give at least one value (or leave the key out to keep all)",
      'groupBy: unknown key "colour"; valid keys are action, artifact_path, ip, package_type, project, repo_type, repository, server_name, service, username',
    ]);
    expect((error as Error).message).toMatch(/^The usage query has 7 problems:\n {2}- startDate/);
  });

  it.each([
    [
      { startDate: "2026-11-02", endDate: "2026-11-02" },
      /endDate: 2026-11-02 must be after startDate 2026-11-02 .*2026-11-03/,
    ],
    [{ startDate: "2026-11-02", endDate: "2026-11-01" }, /must be after startDate/],
    [
      { startDate: "2025-05-23", endDate: "2025-07-01" },
      /older than the 558 days .*earliest today is 2025-05-24/,
    ],
    [
      { startDate: "2026-12-01", endDate: "2026-12-05" },
      /endDate: 2026-12-05 is in the future .*2026-12-04/,
    ],
    [
      { startDate: "2026-08-01", endDate: "2026-11-02" },
      /day-partitioned export may span at most 3 months .*end by 2026-11-01/,
    ],
    [
      { startDate: "2025-10-01", endDate: "2026-10-02", partitionBy: "month" },
      /month-partitioned export may span at most 12 months/,
    ],
    [
      { startDate: "2026-11-01", endDate: "2026-12-01", groupBy: ["ip"] },
      /ip: filtering or grouping by ip needs a range of at least 32 days \(this one spans 30\)/,
    ],
    [
      { startDate: "2026-11-01", endDate: "2026-12-01", filterBy: { artifact_path: ["x"] } },
      /artifact_path: .* at least 32 days/,
    ],
    [{ ...ok, partitionGroupLimit: 0 }, /partitionGroupLimit: 0 must be/],
    [{ ...ok, partitionGroupLimit: 1.5 }, /partitionGroupLimit: 1.5 must be a whole number/],
    [{ ...ok, partitionBy: "week" }, /partitionBy: "week" is not one of day, month/],
    [{ ...ok, filterBy: { project: [""] } }, /filterBy.project: values must be non-empty strings/],
  ])("rejects %j", (q, message) => {
    const problems = queryProblems(q as UsageQuery, { now: NOW });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it("accepts the edges of every range", () => {
    const edges: UsageQuery[] = [
      { startDate: "2025-05-24", endDate: "2025-07-01" },
      { startDate: "2026-08-01", endDate: "2026-11-01" },
      { startDate: "2025-12-04", endDate: "2026-12-04", partitionBy: "month" },
      { startDate: "2026-10-01", endDate: "2026-11-02", groupBy: ["ip", "artifact_path"] },
      { ...ok, partitionGroupLimit: 1 },
      { ...ok, partitionGroupLimit: 1999 },
      { startDate: "2026-12-03", endDate: "2026-12-04" },
    ];
    for (const q of edges) expect(queryProblems(q, { now: NOW })).toEqual([]);
  });

  it("lets a planner validate a long range without the per-request span", () => {
    const q: UsageQuery = { startDate: "2025-07-01", endDate: "2026-12-01" };
    expect(queryProblems(q, { now: NOW })).toHaveLength(1);
    expect(queryProblems(q, { now: NOW, singleRequest: false })).toEqual([]);
  });
});

describe("wire encoding", () => {
  it("repeats filter_by[KEY] and group_by, percent-encoding values", () => {
    const q = normalizeQuery({
      ...ok,
      partitionGroupLimit: 1000,
      filterBy: { server_name: ["myserver2", "myserver1"], artifact_path: ["a b/c&d=e#f"] },
      groupBy: ["repository", "action"],
    });
    expect(encodeQuery(q)).toBe(
      "format=csv&start_date=2026-11-01&non_inclusive_end_date=2026-12-01&partition_by=day&partition_group_limit=1000" +
        "&filter_by[artifact_path]=a%20b%2Fc%26d%3De%23f&filter_by[server_name]=myserver1&filter_by[server_name]=myserver2" +
        "&group_by=action&group_by=repository",
    );
  });
  it("names the file as JFrog documents", () => {
    expect(exportFileName("2025-01-01", "2025-02-01")).toBe(
      "JFrog-data-transfer-20250101-20250201.csv",
    );
  });
  it("gives equal queries the same normal form whatever the order", () => {
    const a = normalizeQuery({
      ...ok,
      filterBy: { action: ["upload"], project: ["b", "a"] },
      groupBy: ["ip", "action"],
    });
    const b = normalizeQuery({
      ...ok,
      filterBy: { project: ["a", "b"], action: ["upload"] },
      groupBy: ["action", "ip"],
    });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe("UsagePeriod", () => {
  const clock = new ManualClock("2026-12-03T23:59:00Z");
  it("resolves relative periods on the clock's UTC day", () => {
    expect(UsagePeriod.monthToDate().resolve(clock)).toEqual({
      startDate: "2026-12-01",
      endDate: "2026-12-04",
      periodEnd: "2027-01-01",
    });
    expect(UsagePeriod.previousMonth().resolve(clock)).toEqual({
      startDate: "2026-11-01",
      endDate: "2026-12-01",
      periodEnd: "2026-12-01",
    });
    expect(UsagePeriod.lastDays(30).resolve(clock)).toEqual({
      startDate: "2026-11-03",
      endDate: "2026-12-03",
      periodEnd: "2026-12-03",
    });
    expect(UsagePeriod.between("2026-01-01", "2026-02-01").resolve(clock)).toMatchObject({
      startDate: "2026-01-01",
      endDate: "2026-02-01",
    });
  });
  it("moves with the clock: the first of a month and January", () => {
    const jan1 = new ManualClock("2027-01-01T00:00:00Z");
    expect(UsagePeriod.monthToDate().resolve(jan1)).toMatchObject({
      startDate: "2027-01-01",
      endDate: "2027-01-02",
    });
    expect(UsagePeriod.previousMonth().resolve(jan1)).toMatchObject({
      startDate: "2026-12-01",
      endDate: "2027-01-01",
    });
  });
  it("rejects a non-positive day count and round-trips through JSON", () => {
    expect(() => UsagePeriod.lastDays(0)).toThrow(/days must be a whole number of at least 1/);
    const p = UsagePeriod.fromJSON(JSON.parse(JSON.stringify(UsagePeriod.lastDays(7))));
    expect(p.resolve(clock)).toEqual(UsagePeriod.lastDays(7).resolve(clock));
    expect(() => UsagePeriod.fromJSON({ kind: "fortnight" })).toThrow(/period: expected/);
  });
});
