/** The stacks the fleet benchmark resolves: the example, and a "big" stack of eight reports. */
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { App, TerraformStack } from "cdktf";
import { UsageBudget, UsagePeriod, UsageReport } from "../src";

/** Eight reports: mixed groupings, two filter sets, one 12-month daily report. */
export function bigStack(outdir: string, withReports = true): App {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "big");
  new NullProvider(stack, "null");
  for (let i = 0; i < 20; i++)
    new NullResource(stack, `service-${i}`, { triggers: { version: `1.${i}` } });
  if (!withReports) {
    new NullResource(stack, "stand-in-gate");
    return app;
  }
  const acme = { server_name: ["acme"] };
  const mtd = UsagePeriod.monthToDate();
  const prev = UsagePeriod.previousMonth();
  const r = [
    new UsageReport(stack, "mtd-repo-action", { period: mtd, groupBy: ["repository", "action"] }),
    new UsageReport(stack, "mtd-repo", { period: mtd, groupBy: ["repository"] }),
    new UsageReport(stack, "mtd-user", { period: mtd, groupBy: ["username"] }),
    new UsageReport(stack, "prev-acme-repo", {
      period: prev,
      filterBy: acme,
      groupBy: ["repository"],
    }),
    new UsageReport(stack, "prev-acme-action", {
      period: prev,
      filterBy: acme,
      groupBy: ["action"],
    }),
    new UsageReport(stack, "year-daily", {
      period: UsagePeriod.lastDays(365),
      groupBy: ["repository"],
    }),
    new UsageReport(stack, "mtd-acme-project", {
      period: mtd,
      filterBy: acme,
      groupBy: ["project"],
    }),
    new UsageReport(stack, "prev-total", { period: prev }),
  ];
  new UsageBudget(stack, "month", {
    report: r[0],
    limits: [{ max: "100 TB" }, { max: "50 TB", per: "repository" }],
  }).guard();
  new UsageBudget(stack, "users", {
    report: r[2],
    limits: [{ max: "10 TB", per: "username", level: "warn" }],
  });
  new UsageBudget(stack, "year", { report: r[5], limits: [{ max: "1 PB" }] });
  return app;
}
