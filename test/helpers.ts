import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { Clock, ManualClock } from "../src/clock";
import { CliIo } from "../src/cli/io";

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the suite (callable inside a test). */
export function tempDir(prefix = "jfu-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Every file below `dir`, recursively. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** Everything that could be printed or persisted of an error. */
export function everythingAbout(e: unknown): string {
  const err = e as Error;
  return [
    String(e),
    err?.stack ?? "",
    inspect(e, { depth: 20, showHidden: true }),
    JSON.stringify(e, Object.getOwnPropertyNames(e ?? {})),
  ].join("\n");
}

export function readAll(files: readonly string[]): string {
  return files.map((f) => readFileSync(f, "utf8")).join("\n");
}

/** A token shaped like a real one, easy to spot if it ever leaks. */
export const SECRET_TOKEN = "cmVmdGtuOjAxOjE3OTk5OTk5OTk6U0VDUkVULVRPS0VOLWxlYWstY2FuYXJ5";

/** The compiled form of a module (`npm test` builds first), for code run in child processes. */
export function builtModule(path: string): string {
  const file = join(__dirname, "..", "lib", `${path}.js`);
  if (!existsSync(file))
    throw new Error(`${file} is missing: run npm run build (npm test does it first)`);
  return file;
}

/** A CLI io that records what a command prints. */
export function captureIo(
  env: NodeJS.ProcessEnv,
  cwd: string,
  clock: Clock = new ManualClock("2026-12-03T12:00:00Z"),
) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
    clock,
    cwd,
    isTTY: false,
  };
  return { io, out: () => out.join(""), err: () => err.join("") };
}
