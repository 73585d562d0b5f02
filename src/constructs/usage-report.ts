import { TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { formatBytes } from "../budget/units";
import { InvalidQueryError } from "../errors";
import { Partition, UsageKey } from "../query/constraints";
import { PeriodInput, UsagePeriod, toPeriod } from "../query/period";
import { UsageFilter, queryProblems } from "../query/query";
import { ReportSpec, queryOf } from "../spec/spec";
import { FetchedReport } from "../check/fetch-report";
import { GroupTotal, groupTotals } from "../table/usage-table";
import { terraformName } from "./names";

export interface UsageReportProps {
  /**
   * The period reported: `UsagePeriod.monthToDate()`, `previousMonth()`, `lastDays(n)`,
   * `UsagePeriod.between(start, end)` or `{ startDate, endDate }` (UTC, end exclusive).
   * Relative periods resolve on the day of the plan (or of the apply, for apply-time gates).
   * @default UsagePeriod.monthToDate()
   */
  readonly period?: PeriodInput;
  /** Row granularity. @default "day" */
  readonly partitionBy?: Partition;
  /**
   * At most this many group rows per partition (1..1999). A partition that returns exactly
   * this many may be truncated, and budgets then say they cannot be trusted.
   * @default 1999
   */
  readonly partitionGroupLimit?: number;
  /** Keep only rows with these values. @default no filter */
  readonly filterBy?: UsageFilter;
  /** One total per combination of these keys (needed by `per` and `where` limits). @default totals only */
  readonly groupBy?: readonly UsageKey[];
  /**
   * Read these exports (fetched earlier, e.g. by one CI job) instead of calling JFrog: no
   * token needed. Paths relative to the working directory.
   * @default fetch from JFrog
   */
  readonly fromFiles?: readonly string[];
}

/**
 * A JFrog data-transfer usage report, declared like a data source. `resolveUsage(app)`
 * fetches it before synth; it then adds Terraform outputs `<name>_total_bytes`,
 * `<name>_total`, `<name>_groups` (JSON) and `<name>_csv` (the artifact's relative path).
 */
export class UsageReport extends Construct {
  readonly spec: ReportSpec;
  readonly fromFiles?: readonly string[];
  /** The Terraform-safe name used for outputs. */
  readonly terraformName: string;
  private data?: FetchedReport & { readonly csvRelative: readonly string[] };

  constructor(scope: Construct, id: string, props: UsageReportProps = {}) {
    super(scope, id);
    const period = props.period === undefined ? UsagePeriod.monthToDate() : toPeriod(props.period);
    this.spec = {
      period,
      partitionBy: props.partitionBy,
      partitionGroupLimit: props.partitionGroupLimit,
      filterBy: props.filterBy,
      groupBy: props.groupBy,
    };
    this.fromFiles = props.fromFiles;
    this.terraformName = terraformName(this);
    const problems = UsageReport.problems(this.spec, Boolean(props.fromFiles?.length));
    if (problems.length) throw new InvalidQueryError(problems, `UsageReport "${this.node.path}"`);
  }

  /** Every problem with the props, naming each; unresolved tokens are skipped. */
  static problems(spec: ReportSpec, offline: boolean): string[] {
    const unresolved = (v: unknown) => Token.isUnresolved(v);
    const range = spec.period.spec;
    if (range.kind === "range" && (unresolved(range.startDate) || unresolved(range.endDate)))
      return [];
    const now = Date.now();
    const q = queryOf(spec, now);
    const problems = queryProblems(
      {
        ...q,
        partitionGroupLimit: unresolved(q.partitionGroupLimit) ? undefined : q.partitionGroupLimit,
      },
      offline ? { now, horizon: false, singleRequest: false } : { now, singleRequest: false },
    );
    // A relative period's dates are re-checked on the day it runs; only shape errors are final here.
    return problems.map((p) =>
      p.replace(/^startDate/, "period.startDate").replace(/^endDate/, "period.endDate"),
    );
  }

  /** True once `resolveUsage` has filled in the data. */
  get isResolved(): boolean {
    return this.data !== undefined;
  }

  private get resolved(): FetchedReport & { readonly csvRelative: readonly string[] } {
    if (!this.data) {
      throw new Error(
        `UsageReport "${this.node.path}" is not resolved yet: call await resolveUsage(app) before app.synth().`,
      );
    }
    return this.data;
  }

  /** Bytes transferred in the period. */
  get totalBytes(): bigint {
    return this.resolved.table.totalBytes;
  }

  /** Totals per combination of the report's `groupBy` keys, largest first. */
  get groupTotals(): GroupTotal[] {
    return groupTotals(this.resolved.table, this.resolved.table.keys);
  }

  /** The CSV artifact(s), relative to the working directory. */
  get csvPaths(): readonly string[] {
    return this.resolved.csvRelative;
  }

  get fetched(): FetchedReport {
    return this.resolved;
  }

  /** Called by `resolveUsage`: stores the data and adds the outputs. */
  fill(data: FetchedReport, csvRelative: readonly string[]): void {
    if (this.data) return;
    this.data = { ...data, csvRelative };
    const n = this.terraformName;
    const out = (id: string, value: string | number, description: string) =>
      new TerraformOutput(this, id, { value, description }).overrideLogicalId(`${n}_${id}`);
    out(
      "total_bytes",
      Number(data.table.totalBytes),
      `JFrog data transfer in bytes, ${data.query.startDate} to ${data.query.endDate} (exclusive)`,
    );
    out(
      "total",
      formatBytes(data.table.totalBytes),
      "JFrog data transfer, human readable (decimal units)",
    );
    out(
      "groups",
      JSON.stringify(this.groupTotals.map((g) => ({ ...g.key, bytes: Number(g.bytes) }))),
      `Bytes per ${data.table.keys.join(", ") || "report"} (JSON)`,
    );
    out(
      "csv",
      csvRelative.join(","),
      "The usage export (CSV), relative to the directory that ran the synth",
    );
  }
}
