import { evaluateBudget } from "../../src/budget/evaluate";
import { markdownCell, neutralizeFormula, xmlText } from "../../src/render/safe";
import { verdictJson } from "../../src/render/verdict-json";
import { renderVerdictMarkdown } from "../../src/render/verdict-markdown";
import { niceStep, renderVerdictSvg } from "../../src/render/verdict-svg";
import { renderVerdictText, useColor } from "../../src/render/verdict-text";
import { reportMarkdown } from "../../src/render/report";
import { UsageTable } from "../../src/table/usage-table";

const GB = 1_000_000_000n;
const evil = '=HYPERLINK("http://x")|<img src=x>[a](b)';
const table: UsageTable = {
  files: ["/tmp/JFrog-data-transfer-20261201-20261204.csv"],
  keys: ["repository"],
  rows: [
    { partition: "2026-12-01", group: { repository: "npm-remote" }, bytes: 400n * GB },
    { partition: "2026-12-01", group: { repository: evil }, bytes: 300n * GB },
    { partition: "2026-12-02", group: { repository: "npm-remote" }, bytes: 500n * GB },
    { partition: "2026-12-03", group: { repository: "npm-remote" }, bytes: 50n * GB },
  ],
  totalBytes: 1250n * GB,
  inputRows: 4,
  maxRowsPerPartition: 2,
  fullestPartitions: ["2026-12-01"],
  ignoredColumns: [],
  warnings: [],
};
const verdict = evaluateBudget(
  table,
  [
    { max: "2 TB" },
    { max: "400 GB", per: "repository" },
    { max: "10 TB", forecast: "period-end", level: "warn", id: "month" },
  ],
  {
    name: "transfer",
    period: { startDate: "2026-12-01", endDate: "2026-12-04", periodEnd: "2027-01-01" },
    now: Date.parse("2026-12-03T12:00:00Z"),
    artifacts: table.files,
  },
);

describe("neutralizing cells from the data", () => {
  it.each(["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])(
    "prefixes %j so spreadsheets read text",
    (v) => {
      expect(neutralizeFormula(v)).toBe(`'${v}`);
    },
  );
  it("leaves ordinary values alone", () =>
    expect(neutralizeFormula("npm-remote")).toBe("npm-remote"));
  it("escapes what Markdown would act on", () => {
    expect(markdownCell(evil)).toBe(
      '\'=HYPERLINK\\("http://x"\\)\\|&lt;img src=x&gt;\\[a\\]\\(b\\)',
    );
    expect(markdownCell("a\nb")).toBe("a b");
    expect(xmlText('<a href="x">&')).toBe("&lt;a href=&quot;x&quot;&gt;&amp;");
  });
});

describe("Markdown", () => {
  const md = renderVerdictMarkdown(verdict);
  it("leads with the outcome, the period and the total", () => {
    expect(md.split("\n")[0]).toBe("### ❌ Budget exceeded: transfer");
    expect(md).toContain("from **2026-12-01** to **2026-12-04** (exclusive): **1.25 TB**");
  });
  it("has one row per limit with measured, limit, headroom and status", () => {
    expect(md).toContain("| total | fail | total | 1.25 TB | 2 TB | 750 GB | ✅ OK |");
    expect(md).toContain(
      "| per\\_repository | fail | per repository | 950 GB | 400 GB | -550 GB | ❌ FAIL |",
    );
    expect(md).toContain(
      "| month | warn | forecast of total | 15.5 TB | 10 TB | -5.5 TB | ⚠️ WARN |",
    );
  });
  it("lists offenders with neutralized names", () => {
    expect(md).toContain("| repository npm-remote | 950 GB | 550 GB |");
    const low = renderVerdictMarkdown(
      evaluateBudget(table, [{ max: "250 GB", per: "repository" }], {
        period: { startDate: "2026-12-01", endDate: "2026-12-04" },
      }),
    );
    expect(low).toContain(
      '| repository \'=HYPERLINK\\("http://x"\\)\\|&lt;img src=x&gt;\\[a\\]\\(b\\) | 300 GB | 50 GB |',
    );
    expect(low).not.toContain("<img");
  });
});

describe("text", () => {
  it("is aligned and uncoloured unless on a TTY without NO_COLOR", () => {
    const text = renderVerdictText(verdict, { color: false });
    expect(text).not.toContain("\u001b[");
    expect(text.split("\n")[0]).toBe(
      "BUDGET EXCEEDED — transfer: 1.25 TB from 2026-12-01 to 2026-12-04 (exclusive), measured until 2026-12-03T12:00:00.000Z",
    );
    expect(text).toMatch(
      /│ per_repository │ fail +│ per repository +│ +950 GB │ +400 GB │ +-550 GB │ FAIL +│/,
    );
    expect(text).toContain(
      "FAIL per_repository: per repository: 1 of 2 over 400 GB: npm-remote 950 GB (+550 GB).",
    );
    expect(renderVerdictText(verdict, { color: true })).toContain("\u001b[31mBUDGET EXCEEDED");
    expect(useColor(true, {})).toBe(true);
    expect(useColor(true, { NO_COLOR: "1" })).toBe(false);
    expect(useColor(false, {})).toBe(false);
  });
});

describe("JSON", () => {
  it("has a stable schema with exact integers", () => {
    const j = JSON.parse(verdictJson(verdict));
    expect(Object.keys(j)).toEqual([
      "schema",
      "name",
      "status",
      "period",
      "totalBytes",
      "truncated",
      "limits",
      "warnings",
      "artifacts",
    ]);
    expect(j.schema).toBe("jfrog-usage/verdict@1");
    expect(j.totalBytes).toBe(1250000000000);
    expect(Object.keys(j.limits[0])).toEqual([
      "id",
      "level",
      "scope",
      "unit",
      "ok",
      "trusted",
      "measured",
      "limit",
      "headroom",
      "offenders",
      "moreOffenders",
      "groups",
      "method",
      "summary",
    ]);
    expect(verdictJson(verdict)).toContain('"measured": 950000000000');
  });
});

describe("SVG", () => {
  const svg = renderVerdictSvg(verdict, table);
  it("shows the title, status, each limit value and the forecast, with data escaped", () => {
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("JFrog data transfer — transfer");
    expect(svg).toContain("2026-12-01 to 2027-01-01: 1.25 TB so far, budget exceeded");
    expect(svg).toContain(">limit 2 TB (fail)<");
    expect(svg).toContain(">limit 10 TB (warn)<");
    expect(svg).toContain(">forecast 15.5 TB<");
    expect(svg).toContain('stroke-dasharray="6 5"');
    expect(svg).toContain(">1.25 TB used so far<");
    expect(svg).toContain("<title>2026-12-02: 500 GB</title>");
    expect(svg).not.toContain("<img");
    // per-group limits are not drawn as whole-report lines
    expect(svg).not.toContain("400 GB (fail)");
  });
  it("uses round axis steps", () => {
    expect(niceStep(15.5e12 * 1.05)).toBe(5e12);
    expect(niceStep(2.7e12)).toBe(1e12);
    expect(niceStep(900)).toBe(200);
  });
});

describe("report Markdown", () => {
  it("neutralizes group values", () => {
    const md = reportMarkdown(table);
    expect(md).toContain("| repository | Bytes | Share |");
    expect(md).toContain("| '=HYPERLINK");
    expect(md).not.toContain("<img");
  });
});
