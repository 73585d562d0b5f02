/** `jfrog-usage check`: fetch (or read), evaluate the budget, print the verdict, exit 1 on a breach. */
import { resolve } from "node:path";
import { BudgetLimit, LimitLevel } from "../budget/limit";
import { runCheck } from "../check/run-check";
import { ExitCode, InvalidQueryError, isApiError } from "../errors";
import { UsagePeriod } from "../query/period";
import { renderVerdictMarkdown } from "../render/verdict-markdown";
import { verdictJson } from "../render/verdict-json";
import { renderVerdictText, useColor } from "../render/verdict-text";
import { BudgetSpec, OnApiError, parseSpec, readSpecFile } from "../spec/spec";
import { CliIo } from "./io";
import { progressReporter } from "../render/progress";
import { QueryFlags, periodFromFlags, queryFromFlags } from "./query-flags";

export interface CheckFlags extends QueryFlags {
  spec?: string;
  max?: string;
  per?: string;
  level: LimitLevel;
  forecast?: boolean;
  format: "table" | "markdown" | "json";
  csv?: string[];
  previousCsv?: string[];
  out: string;
  onApiError?: OnApiError;
  cache?: boolean;
}

function specFromFlags(flags: CheckFlags, io: CliIo): BudgetSpec {
  const usesQueryFlags = [flags.start, flags.end, flags.period, flags.filter, flags.groupBy].some(
    (v) => v !== undefined,
  );
  if (flags.spec) {
    if (usesQueryFlags || flags.max !== undefined || flags.per !== undefined) {
      throw new InvalidQueryError(
        ["--spec: give either --spec FILE or the query flags with --max, not both"],
        "The command line",
      );
    }
    return readSpecFile(resolve(io.cwd, flags.spec), io.clock.now(), Boolean(flags.csv?.length));
  }
  if (flags.max === undefined) {
    throw new InvalidQueryError(
      ['--max: give a limit such as --max "2 TB" (or --spec FILE)'],
      "The command line",
    );
  }
  // Dates: from the flags, or with --csv and no dates, the whole of the files (set below).
  let period: UsagePeriod | undefined;
  if (
    flags.start !== undefined ||
    flags.end !== undefined ||
    flags.period !== undefined ||
    !flags.csv?.length
  ) {
    period = periodFromFlags(flags);
  }
  const q = period ? queryFromFlags(flags, io.clock, Boolean(flags.csv?.length)) : undefined;
  const limit: BudgetLimit = {
    max: flags.max,
    ...(flags.per ? { per: flags.per as BudgetLimit["per"] } : {}),
    ...(flags.forecast ? { forecast: "period-end" as const } : {}),
    level: flags.level,
  };
  return parseSpec(
    {
      report: {
        period: period?.toJSON() ?? { startDate: "1970-01-01", endDate: "1970-01-02" },
        partitionBy: q?.partitionBy ?? flags.partition,
        partitionGroupLimit: q?.partitionGroupLimit,
        filterBy: q?.filterBy,
        // --per needs its key in the export: add it when --group-by did not.
        groupBy: [...new Set([...(q?.groupBy ?? []), ...(flags.per ? [flags.per] : [])])],
      },
      limits: [limit],
      onApiError: flags.onApiError,
    },
    "The command line",
    io.clock.now(),
    Boolean(flags.csv?.length),
  );
}

export async function checkCommand(
  flags: CheckFlags,
  io: CliIo,
  verbose: boolean,
): Promise<number> {
  const spec = specFromFlags(flags, io);
  const onApiError = flags.onApiError ?? spec.onApiError ?? "fail";
  try {
    const result = await runCheck(spec, {
      outDir: resolve(io.cwd, flags.out),
      csvFiles: flags.csv?.map((f) => resolve(io.cwd, f)),
      previousCsvFiles: flags.previousCsv?.map((f) => resolve(io.cwd, f)),
      periodFromData:
        Boolean(flags.csv?.length) &&
        !flags.spec &&
        [flags.start, flags.end, flags.period].every((v) => v === undefined),
      clock: io.clock,
      client: { env: io.env },
      cache: flags.cache === false ? false : undefined,
      onEvent: progressReporter(io.stderr, verbose),
    });
    const v = result.verdict;
    if (verbose) {
      for (const w of result.windows) {
        io.stderr(
          `jfrog-usage: plan: ${w.startDate}..${w.endDate} group_by=${w.groupBy.join(",") || "(none)"} ${w.fromCache ? "(cache)" : "(fetched)"}\n`,
        );
      }
      io.stderr(`jfrog-usage: ${result.requests} request(s) to JFrog\n`);
    }
    io.stdout(
      flags.format === "json"
        ? verdictJson(v)
        : flags.format === "markdown"
          ? renderVerdictMarkdown(v)
          : renderVerdictText(v, { color: useColor(io.isTTY, io.env) }),
    );
    return v.status === "fail" ? ExitCode.BudgetExceeded : ExitCode.Ok;
  } catch (e) {
    if (onApiError === "warn" && isApiError(e)) {
      io.stderr(
        `jfrog-usage: WARNING: the budget could not be checked, and onApiError is "warn", so this passes: ${e.message}\n`,
      );
      return ExitCode.Ok;
    }
    throw e;
  }
}
