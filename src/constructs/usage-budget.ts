import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import {
  Aspects,
  IAspect,
  Lazy,
  TerraformLocal,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
} from "cdktf";
import { Construct, IConstruct } from "constructs";
import { LimitResult, Verdict } from "../budget/evaluate";
import { BudgetLimit, limitIds, limitProblems, parsePercent } from "../budget/limit";
import { formatBytes, parseSize } from "../budget/units";
import { InvalidQueryError } from "../errors";
import { BudgetSpec, OnApiError } from "../spec/spec";
import { terraformLiteral, terraformName } from "./names";
import { UsageReport } from "./usage-report";

export type EvaluateAt = "plan" | "apply";

export interface UsageBudgetProps {
  /** The report the limits apply to. */
  readonly report: UsageReport;
  /**
   * The limits: `{ max: "2 TB" }`, `{ max: "400 GB", per: "repository" }`,
   * `{ max: "1.5 TB", where: { action: ["download"] }, level: "warn" }`,
   * `{ max: "80%", of: "2.5 TB" }`, `{ max: "2 TB", forecast: "period-end" }`,
   * `{ maxGrowth: "30%" }`.
   */
  readonly limits: readonly BudgetLimit[];
  /**
   * `plan`: measured by `resolveUsage` at synth, enforced by preconditions that fail
   * `terraform plan`. `apply`: measured by a provisioner on the day of the apply.
   * @default "plan"
   */
  readonly evaluateAt?: EvaluateAt;
  /** When JFrog cannot be reached or refuses: fail the gate, or warn and let it pass. @default "fail" */
  readonly onApiError?: OnApiError;
}

/**
 * Budgets on a usage report that gate the deployment.
 *
 * At plan time it adds, per limit, a variable `<name>_<limit>_max` (default: the limit, so
 * `-var` or `TF_VAR_` can override it), a local `<name>_<limit>_measured`, and a
 * `null_resource` `<name>_gate` with one `lifecycle.precondition` per `fail` limit; `warn`
 * limits become a Terraform `check` block. At apply time it adds a `null_resource` whose
 * `local-exec` provisioner runs the gate with a JSON spec shipped as a `TerraformAsset`,
 * on every apply. `guard(scope)` makes every other resource depend on the gate.
 */
export class UsageBudget extends Construct {
  readonly report: UsageReport;
  readonly limits: readonly BudgetLimit[];
  readonly limitIds: readonly string[];
  readonly evaluateAt: EvaluateAt;
  readonly onApiError: OnApiError;
  readonly terraformName: string;
  /** The resource that carries the gate; others may depend on it. */
  readonly gate: NullResource;
  private verdict?: Verdict;
  private apiError?: string;
  private command?: string;

  constructor(scope: Construct, id: string, props: UsageBudgetProps) {
    super(scope, id);
    this.report = props.report;
    this.limits = props.limits;
    this.evaluateAt = props.evaluateAt ?? "plan";
    this.onApiError = props.onApiError ?? "fail";
    this.terraformName = terraformName(this);
    const problems = limitProblems(props.limits, {
      groupBy: props.report.spec.groupBy ?? [],
      filterBy: props.report.spec.filterBy,
    });
    if (
      props.evaluateAt !== undefined &&
      props.evaluateAt !== "plan" &&
      props.evaluateAt !== "apply"
    ) {
      problems.push(
        `evaluateAt: must be "plan" or "apply", got ${JSON.stringify(props.evaluateAt)}`,
      );
    }
    if (
      props.onApiError !== undefined &&
      props.onApiError !== "fail" &&
      props.onApiError !== "warn"
    ) {
      problems.push(
        `onApiError: must be "fail" or "warn", got ${JSON.stringify(props.onApiError)}`,
      );
    }
    if (this.evaluateAt === "apply" && props.report.fromFiles?.length) {
      problems.push(
        'evaluateAt "apply" measures on the day of the apply; it cannot read the report\'s fromFiles',
      );
    }
    if (problems.length) throw new InvalidQueryError(problems, `UsageBudget "${this.node.path}"`);
    this.limitIds = limitIds(props.limits);
    const stack = TerraformStack.of(this);
    if (!stack.node.findAll().some((c) => c instanceof NullProvider))
      new NullProvider(stack, "null");

    if (this.evaluateAt === "plan") {
      this.gate = new NullResource(this, "gate");
      this.gate.overrideLogicalId(`${this.terraformName}_gate`);
      this.declarePlanTime();
    } else {
      this.gate = new NullResource(this, "gate", {
        triggers: { always: "${timestamp()}" },
        provisioners: [
          {
            type: "local-exec",
            command: Lazy.stringValue({ produce: () => this.requireCommand() }),
            environment: { JFROG_USAGE_BUDGET: this.node.path },
          },
        ],
      });
      this.gate.overrideLogicalId(`${this.terraformName}_gate`);
    }
  }

  /** The spec the apply-time gate reads (no secrets: the token comes from the environment). */
  get spec(): BudgetSpec {
    return {
      name: this.terraformName,
      report: this.report.spec,
      limits: this.limits,
      onApiError: this.onApiError,
    };
  }

  /** The verdict, once `resolveUsage` has evaluated it (plan time only). */
  get result(): Verdict | undefined {
    return this.verdict;
  }

  /** Makes every other resource under `scope` depend on the gate, so a breach holds them back. */
  guard(scope: IConstruct = TerraformStack.of(this)): this {
    Aspects.of(scope).add(new GuardAspect(this));
    return this;
  }

  /** Called by `resolveUsage` with the verdict (plan time). */
  fillVerdict(verdict: Verdict): void {
    this.verdict = verdict;
  }

  /** Called by `resolveUsage` when JFrog could not answer and `onApiError` is "warn". */
  fillApiError(message: string): void {
    this.apiError = message;
  }

  /** Called by `resolveUsage` with the apply-time command (relative paths only). */
  fillCommand(command: string): void {
    this.command = command;
  }

  private requireCommand(): string {
    if (!this.command)
      throw new Error(
        `UsageBudget "${this.node.path}": call await resolveUsage(app) before app.synth().`,
      );
    return this.command;
  }

  private requireVerdict(): Verdict | undefined {
    if (!this.verdict && !this.apiError) {
      throw new Error(
        `UsageBudget "${this.node.path}" is not resolved yet: call await resolveUsage(app) before app.synth().`,
      );
    }
    return this.verdict;
  }

  private result_(i: number): LimitResult | undefined {
    return this.requireVerdict()?.limits[i];
  }

  private declarePlanTime(): void {
    const n = this.terraformName;
    const preconditions: { condition: string; errorMessage: string }[] = [];
    this.limits.forEach((limit, i) => {
      const id = this.limitIds[i];
      const growth = limit.maxGrowth !== undefined;
      const defaultLimit = growth
        ? (parsePercent(limit.maxGrowth) as number)
        : parsePercent(limit.max) !== undefined
          ? Number(
              (parseSize(limit.of as string) *
                BigInt(Math.round((parsePercent(limit.max) as number) * 1000))) /
                100_000n,
            )
          : Number(parseSize(limit.max as string));
      const variable = new TerraformVariable(this, `${id}_max`, {
        type: "number",
        default: defaultLimit,
        description: growth
          ? `Budget ${n}, limit ${id}: the largest allowed growth, in percent`
          : `Budget ${n}, limit ${id}: the largest allowed value, in bytes (${formatBytes(BigInt(defaultLimit))})`,
      });
      variable.overrideLogicalId(`${n}_${id}_max`);
      const local = new TerraformLocal(
        this,
        `${id}_measured`,
        Lazy.numberValue({ produce: () => Number(this.result_(i)?.measured ?? 0) }),
      );
      local.overrideLogicalId(`${n}_${id}_measured`);
      const condition = `\${local.${n}_${id}_measured <= var.${n}_${id}_max}`;
      const errorMessage = Lazy.stringValue({
        produce: () => this.message(i, `var.${n}_${id}_max`),
      });
      if ((limit.level ?? "fail") === "fail") {
        preconditions.push({ condition, errorMessage });
      } else {
        TerraformStack.of(this).addOverride(`check.${n}_${id}`, {
          assert: [{ condition, error_message: errorMessage }],
        });
      }
    });
    this.gate.addOverride(
      "lifecycle.precondition",
      Lazy.anyValue({
        produce: () =>
          this.apiError
            ? []
            : preconditions.map((p) => ({ condition: p.condition, error_message: p.errorMessage })),
      }),
    );
    // When JFrog could not answer and onApiError is "warn": a check that says so, instead of the gates.
    new TerraformLocal(
      this,
      "usage_available",
      Lazy.anyValue({ produce: () => this.apiError === undefined }),
    ).overrideLogicalId(`${n}_usage_available`);
    TerraformStack.of(this).addOverride(`check.${n}_usage_available`, {
      assert: [
        {
          condition: `\${local.${n}_usage_available}`,
          error_message: Lazy.stringValue({
            produce: () =>
              terraformLiteral(
                `Budget ${n} was not checked: ${this.apiError ?? "JFrog could not be read"} (onApiError is "warn").`,
              ),
          }),
        },
      ],
    });
    new TerraformOutput(this, "status", {
      value: Lazy.stringValue({
        produce: () =>
          this.apiError ? "unchecked" : (this.requireVerdict()?.status ?? "unchecked"),
      }),
      description: `Budget ${n}: ok, warn or fail, as measured at synth`,
    }).overrideLogicalId(`${n}_status`);
  }

  /** The precondition's message: the limit, the value, the top offenders, the artifact. */
  private message(i: number, variable: string): string {
    const r = this.result_(i);
    const id = this.limitIds[i];
    if (!r) return `Budget ${this.terraformName}, limit ${id}: usage was not read.`;
    const unit = r.unit === "bytes" ? " bytes" : "%";
    const offenders =
      r.offenders.length > 0 && this.limits[i].per
        ? ` Top offenders: ${r.offenders
            .slice(0, 5)
            .map(
              (o) =>
                `${Object.values(o.key).join("/") || "total"} ${r.unit === "bytes" ? formatBytes(o.value) : `${o.value}%`}`,
            )
            .join(
              ", ",
            )}${r.offenders.length + r.moreOffenders > 5 ? `, and ${r.offenders.length + r.moreOffenders - 5} more` : ""}.`
        : "";
    const csv = this.report.isResolved ? ` Data: ${this.report.csvPaths.join(", ")}.` : "";
    return (
      terraformLiteral(
        `JFrog usage budget ${this.terraformName} exceeded, limit ${id} (${r.scope}): measured ${r.unit === "bytes" ? formatBytes(r.measured) : `${r.measured}%`} (${r.measured}${unit}) ` +
          `over ${this.verdict?.period.startDate} to ${this.verdict?.period.endDate}; ${r.method}.${offenders}${csv}`,
      ) +
      ` Limit: \${${variable}}${unit} (raise it in an emergency with -var or TF_VAR_${variable.replace(/^var\./, "")}).`
    );
  }
}

/** Adds the gate to `depends_on` of every resource that is not part of a usage budget. */
class GuardAspect implements IAspect {
  constructor(private readonly budget: UsageBudget) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource)) return;
    if (node.node.scopes.some((s) => s instanceof UsageBudget)) return;
    const gate = this.budget.gate.fqn;
    const deps = node.dependsOn ?? [];
    if (!deps.includes(gate)) node.dependsOn = [...deps, gate];
  }
}
