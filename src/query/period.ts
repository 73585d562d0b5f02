import { Clock, systemClock } from "../clock";
import { InvalidQueryError } from "../errors";
import { addDays, addMonths, isIsoDate, startOfMonth, utcDay } from "./dates";

/** A concrete date range: `startDate` inclusive, `endDate` exclusive, both UTC. */
export interface DateRange {
  readonly startDate: string;
  readonly endDate: string;
}

type PeriodSpec =
  | { readonly kind: "range"; readonly startDate: string; readonly endDate: string }
  | { readonly kind: "lastDays"; readonly days: number }
  | { readonly kind: "monthToDate" }
  | { readonly kind: "previousMonth" };

/**
 * A reporting period that resolves to dates on a given day. Relative periods resolve
 * against the clock at the moment they are used, so an apply-time gate measures the day
 * of the apply, not the day of the synth.
 */
export class UsagePeriod {
  private constructor(readonly spec: PeriodSpec) {}

  /** Explicit dates: `startDate` inclusive, `endDate` exclusive (`YYYY-MM-DD`, UTC). */
  static between(startDate: string, endDate: string): UsagePeriod {
    return new UsagePeriod({ kind: "range", startDate, endDate });
  }

  /** The last `days` complete UTC days, ending yesterday (today is still filling in). */
  static lastDays(days: number): UsagePeriod {
    if (!Number.isInteger(days) || days < 1) {
      throw new InvalidQueryError([`lastDays(${days}): days must be a whole number of at least 1`]);
    }
    return new UsagePeriod({ kind: "lastDays", days });
  }

  /** From the first of the current UTC month up to and including today. */
  static monthToDate(): UsagePeriod {
    return new UsagePeriod({ kind: "monthToDate" });
  }

  /** The whole previous calendar month (UTC). */
  static previousMonth(): UsagePeriod {
    return new UsagePeriod({ kind: "previousMonth" });
  }

  /**
   * A period by name, as the CLI and spec files write it: `month-to-date`, `previous-month`,
   * `last-N-days`. Undefined for any other text.
   */
  static fromName(name: string): UsagePeriod | undefined {
    const p = name.trim().toLowerCase();
    if (p === "month-to-date") return UsagePeriod.monthToDate();
    if (p === "previous-month") return UsagePeriod.previousMonth();
    const m = /^last-(\d+)-days?$/.exec(p);
    return m ? UsagePeriod.lastDays(Number(m[1])) : undefined;
  }

  /** Rebuilds a period from its JSON form (see `toJSON`). */
  static fromJSON(value: unknown): UsagePeriod {
    const v = value as Record<string, unknown> | null;
    switch (v?.kind) {
      case "range":
        return UsagePeriod.between(String(v.startDate), String(v.endDate));
      case "lastDays":
        return UsagePeriod.lastDays(Number(v.days));
      case "monthToDate":
        return UsagePeriod.monthToDate();
      case "previousMonth":
        return UsagePeriod.previousMonth();
      default:
        throw new InvalidQueryError([
          `period: expected { kind: "range" | "lastDays" | "monthToDate" | "previousMonth" }, got ${JSON.stringify(value)}`,
        ]);
    }
  }

  toJSON(): PeriodSpec {
    return this.spec;
  }

  /** True when the dates depend on the day it is resolved. */
  get isRelative(): boolean {
    return this.spec.kind !== "range";
  }

  /**
   * The dates on the clock's current UTC day. For `monthToDate`, also the full period it
   * belongs to (the month), which a forecast projects to.
   */
  resolve(clock: Clock = systemClock): DateRange & { readonly periodEnd: string } {
    const today = utcDay(clock.now());
    const s = this.spec;
    switch (s.kind) {
      case "range":
        return { startDate: s.startDate, endDate: s.endDate, periodEnd: s.endDate };
      case "lastDays":
        return { startDate: addDays(today, -s.days), endDate: today, periodEnd: today };
      case "monthToDate": {
        const start = startOfMonth(today);
        return { startDate: start, endDate: addDays(today, 1), periodEnd: addMonths(start, 1) };
      }
      case "previousMonth": {
        const start = addMonths(startOfMonth(today), -1);
        const end = startOfMonth(today);
        return { startDate: start, endDate: end, periodEnd: end };
      }
    }
  }

  toString(): string {
    const s = this.spec;
    switch (s.kind) {
      case "range":
        return `${s.startDate} to ${s.endDate} (exclusive)`;
      case "lastDays":
        return `the last ${s.days} days`;
      case "monthToDate":
        return "month to date";
      case "previousMonth":
        return "the previous month";
    }
  }
}

/** A period as users may write it: a `UsagePeriod` or explicit dates. */
export type PeriodInput = UsagePeriod | DateRange;

export function toPeriod(input: PeriodInput): UsagePeriod {
  if (input instanceof UsagePeriod) return input;
  return UsagePeriod.between(input.startDate, input.endDate);
}

export { isIsoDate };
