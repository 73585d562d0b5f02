/**
 * `jfrog-usage`: a thin shell over the library. Each command returns an exit code (see the
 * design): 0 ok, 1 budget exceeded, 2 invalid input, 3 token, 4 rate limited, 5 unavailable.
 */
import { Command, CommanderError, Option } from "commander";
import { resolve } from "node:path";
import { ExportClient } from "../api/client";
import { ExitCode, InvalidInputError, isUsageError } from "../errors";
import { formatBytes } from "../budget/units";
import { validateQuery } from "../query/query";
import { planWindows } from "../query/split";
import { exportWindows } from "../cache/cached-export";
import { defaultExportCache } from "../check/fetch-report";
import { renderReport } from "../render/report";
import { readUsageCsv } from "../table/read-csv";
import { CliIo, processIo } from "./io";
import { progressReporter } from "../render/progress";
import { QueryFlags, addQueryFlags, groupByFromFlags, queryFromFlags } from "./query-flags";
import { CheckFlags, checkCommand } from "./check";
import { simulateCommand } from "./simulate";

export function printError(io: CliIo, e: unknown): number {
  if (isUsageError(e)) {
    io.stderr(`jfrog-usage: ${e.message}\n`);
    for (const d of e.details) io.stderr(`  ${d}\n`);
    return e.exitCode;
  }
  // Unknown failures: the message only (a stack could hold request objects).
  io.stderr(`jfrog-usage: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
  return ExitCode.Unavailable;
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("jfrog-usage")
    .description("JFrog data-transfer usage: export, report, check budgets")
    .option("--verbose", "print the request plan and timings (never the token)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run with --help for usage)");

  addQueryFlags(
    program
      .command("export")
      .description(
        "fetch an export as JFrog-data-transfer-YYYYMMDD-yyyymmdd.csv (a long period: one file per window)",
      )
      .option("--out <dir>", "folder to write into", ".")
      .option("--no-cache", "always ask JFrog, and keep nothing"),
  ).action(async (flags: QueryFlags & { out: string; cache: boolean }) => {
    const verbose = Boolean(program.opts().verbose);
    const query = validateQuery(queryFromFlags(flags, io.clock), {
      now: io.clock.now(),
      singleRequest: false,
    });
    const client = new ExportClient({
      env: io.env,
      clock: io.clock,
      onEvent: progressReporter(io.stderr, verbose),
    });
    const cache = flags.cache ? defaultExportCache({ client: { env: io.env } }) : undefined;
    const windows = planWindows(query).length;
    if (verbose && windows > 1)
      io.stderr(
        `jfrog-usage: ${windows} windows (one request may cover ${query.partitionBy === "day" ? "3" : "12"} months)\n`,
      );
    await exportWindows(client, cache, query, resolve(io.cwd, flags.out), io.clock, (r) => {
      if (verbose && r.fromCache)
        io.stderr(`jfrog-usage: ${r.query.startDate}..${r.query.endDate} from the cache\n`);
      io.stdout(`${r.path}\n`);
    });
  });

  addQueryFlags(
    program
      .command("check")
      .description("evaluate a budget: exit 1 when a fail-level limit is exceeded")
      .option("--spec <file>", "a budget spec (JSON: report and limits); see README")
      .option("--max <size>", 'a limit: "2 TB", "400 GiB", "80%" needs --spec with of')
      .option("--per <key>", "apply --max to every group of this key")
      .option("--forecast", "compare the linear projection to the period's end")
      .addOption(
        new Option("--level <level>", "what a breach of --max does")
          .choices(["fail", "warn"])
          .default("fail"),
      )
      .addOption(
        new Option("--format <format>", "output format")
          .choices(["table", "markdown", "json"])
          .default("table"),
      )
      .option(
        "--csv <file>",
        "read this export instead of fetching (repeatable; no token needed)",
        (v: string, p: string[] = []) => [...p, v],
      )
      .option(
        "--previous-csv <file>",
        "with --csv and maxGrowth: the previous period's export (repeatable)",
        (v: string, p: string[] = []) => [...p, v],
      )
      .option("--out <dir>", "folder for the CSV and the reports", ".")
      .option("--no-cache", "always ask JFrog, and keep nothing")
      .addOption(
        new Option(
          "--on-api-error <mode>",
          "when JFrog cannot answer: fail the check or warn and pass",
        ).choices(["fail", "warn"]),
      ),
  ).action(async (flags: CheckFlags) => {
    setExit(await checkCommand(flags, io, Boolean(program.opts().verbose)));
  });

  program
    .command("cache")
    .description("the export cache under JFROG_USAGE_CACHE_DIR: list, verify or clear")
    .argument("<action>", "list | verify | clear")
    .action(async (action: string) => {
      const cache = defaultExportCache({ client: { env: io.env } });
      const now = io.clock.now();
      if (action === "list") {
        const entries = await cache.list(now);
        for (const e of entries) {
          const q = e.record.query;
          io.stdout(
            `${e.state.padEnd(7)} ${q.startDate}..${q.endDate} ${q.partitionBy} group_by=${q.groupBy.join(",") || "-"}` +
              ` filter=${JSON.stringify(q.filterBy)} ${formatBytes(e.record.bytes)} ${e.record.expiresAt === undefined ? "immutable" : `until ${new Date(e.record.expiresAt).toISOString()}`}\n`,
          );
        }
        io.stderr(
          `jfrog-usage: ${entries.length} entr${entries.length === 1 ? "y" : "ies"} in ${cache.dir}\n`,
        );
      } else if (action === "verify") {
        const r = await cache.verify(now);
        io.stdout(
          `${r.ok} entr${r.ok === 1 ? "y" : "ies"} verified, ${r.removed} corrupt removed\n`,
        );
      } else if (action === "clear") {
        io.stdout(`${await cache.clear()} entr(ies) removed from ${cache.dir}\n`);
      } else {
        throw new InvalidInputError(`cache: "${action}" is not one of list, verify, clear`);
      }
    });

  program
    .command("report")
    .description("summarize exports already on disk (offline, no token needed)")
    .argument("<files...>", "CSV exports")
    .option(
      "--group-by <key>",
      "group by this key (repeatable); default: every key column in the file",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option("--top <n>", "groups shown in the table", "20")
    .addOption(
      new Option("--format <format>", "output format")
        .choices(["table", "json", "markdown", "svg"])
        .default("table"),
    )
    .action(async (files: string[], flags: { groupBy?: string[]; format: string; top: string }) => {
      const top = /^\d+$/.test(flags.top) ? Number(flags.top) : 0;
      if (top < 1)
        throw new InvalidInputError(`--top: "${flags.top}" must be a whole number of at least 1`);
      const groupBy = flags.groupBy ? groupByFromFlags(flags.groupBy) : undefined;
      const table = await readUsageCsv(
        files.map((f) => resolve(io.cwd, f)),
        { groupBy },
      );
      io.stdout(
        renderReport(table, {
          format: flags.format as "table" | "json" | "markdown" | "svg",
          top,
          color: false,
        }),
      );
      for (const w of table.warnings) io.stderr(`jfrog-usage: warning: ${w}\n`);
    });

  program
    .command("simulate")
    .description("serve the built-in stand-in for MyJFrog's usage export; prints its URL first")
    .option("--port <n>", "port on 127.0.0.1 (0: any free port)", "0")
    .option("--today <date>", "the simulator's today, YYYY-MM-DD (UTC)")
    .option("--seed <n>", "seed of the synthetic data", "42")
    .addOption(
      new Option("--rate-limits <mode>", "JFrog's windows, none, or 60x shorter")
        .choices(["real", "off", "fast"])
        .default("real"),
    )
    .option(
      "--token <token>",
      "a token it accepts (repeatable; default: sim-token)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option(
      "--token-without-view <token>",
      "a token it knows but that lacks view_usage (answers 403)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .action(async (flags) => {
      setExit(await simulateCommand(io, flags));
    });

  return program;
}

/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === "commander.helpDisplayed" ||
        e.code === "commander.version" ||
        e.exitCode === 0
        ? ExitCode.Ok
        : ExitCode.InvalidInput;
    }
    return printError(io, e);
  }
}
