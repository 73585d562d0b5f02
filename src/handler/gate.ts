/**
 * The apply-time gate: what a `local-exec` provisioner runs. It is `jfrog-usage check --spec`
 * under another name, so the CLI and the gate cannot drift apart: it resolves the period on
 * the day of the apply, fetches, writes the CSV and the reports, prints the verdict and exits
 * 1 on a `fail` breach (2..5 for the other failures; `onApiError: "warn"` turns those into 0).
 */
import { CliIo, processIo } from "../cli/io";
import { main } from "../cli/main";

/** Runs the gate with `--spec FILE [--out DIR]`; resolves to the exit code. */
export function runGate(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  const hasOut = args.includes("--out");
  return main(
    ["check", ...args, ...(hasOut ? [] : ["--out", io.env.JFROG_USAGE_OUT_DIR ?? "jfrog-usage"])],
    io,
  );
}

/** The shell command a provisioner runs, from the stack's folder. Relative paths only. */
export function gateCommand(specPath: string, outDir: string): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `node -e "require('cdktf-jfrog-usage/lib/src/handler/bin')" -- --spec ${quote(specPath)} --out ${quote(outDir)}`;
}
