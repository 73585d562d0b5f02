/**
 * Requests are the scarce resource. Measures, against the simulator:
 *  1. requests on a cold and a warm cache for the example stack and a big stack of eight reports,
 *     and the wall time of a warm resolveUsage + synth against a synth of the same stack
 *     without usage reports;
 *  2. a storm: eight processes on one machine, then eight runners sharing one Redis (own
 *     disks), each resolving the big stack with the simulator's windows 60x shorter:
 *     429s seen, total requests against distinct windows, and the time until all finish.
 */
import { ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { runExample } from "../main";
import { resolveUsage } from "../src";
import { DEFAULT_SIMULATOR_TOKEN, startSimulator } from "../src/simulator/server";
import { bigStack } from "./stacks";

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, node ${process.version}`,
  );
  // Windows 60x shorter on both sides, so ten cold requests do not wait ten minutes.
  const sim = await startSimulator({ rateLimits: "fast" });
  process.env.JFROG_USAGE_RATE_LIMIT_SCALE = "60";
  process.env.MYJFROG_URL = sim.url;
  process.env.MYJFROG_TOKEN = DEFAULT_SIMULATOR_TOKEN;
  const silent = { log: () => undefined };

  // 1. cold and warm
  process.env.JFROG_USAGE_CACHE_DIR = tmp("jfu-bench-cache-");
  const exCold = sim.requests.length;
  await runExample({ outdir: tmp("jfu-bench-ex-"), ...silent });
  const exColdN = sim.requests.length - exCold;
  await runExample({ outdir: tmp("jfu-bench-ex-"), ...silent });
  const exWarmN = sim.requests.length - exCold - exColdN;

  const b0 = sim.requests.length;
  const cold = bigStack(tmp("jfu-bench-big-"));
  await resolveUsage(cold, silent);
  cold.synth();
  const bigColdN = sim.requests.length - b0;
  const warmTimes: number[] = [];
  const plainTimes: number[] = [];
  let bigWarmN = 0;
  for (let i = 0; i < 7; i++) {
    const w0 = sim.requests.length;
    let t = process.hrtime.bigint();
    const warm = bigStack(tmp("jfu-bench-big-"));
    await resolveUsage(warm, silent);
    warm.synth();
    warmTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    bigWarmN += sim.requests.length - w0;
    t = process.hrtime.bigint();
    bigStack(tmp("jfu-bench-plain-"), false).synth();
    plainTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  // The same, as whole processes: what `cdktf synth` (node running the app) makes a user wait.
  const procWarm: number[] = [];
  const procPlain: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = Date.now();
    execFileSync(process.execPath, [join(__dirname, "storm-worker.js"), tmp("jfu-bench-pw-")], {
      env: process.env,
    });
    procWarm.push(Date.now() - t);
    t = Date.now();
    execFileSync(
      process.execPath,
      [join(__dirname, "storm-worker.js"), tmp("jfu-bench-pp-"), "--plain"],
      { env: process.env },
    );
    procPlain.push(Date.now() - t);
  }
  const ratio = (a: number[], b: number[]) =>
    `${(median(a) / median(b)).toFixed(2)}x (${median(a).toFixed(0)} ms / ${median(b).toFixed(0)} ms)`;
  console.log(
    "\n| stack | requests, cold cache | requests, warm cache | warm resolveUsage + synth / plain synth, in process | the same, whole processes |",
  );
  console.log("|---|---|---|---|---|");
  console.log(`| example (main.ts) | ${exColdN} | ${exWarmN} | | |`);
  console.log(
    `| big (8 reports) | ${bigColdN} | ${bigWarmN / 7} | ${ratio(warmTimes, plainTimes)} | ${ratio(procWarm, procPlain)} |`,
  );
  await sim.close();

  // 2. storms, with the simulator's windows 60x shorter and our limiter told so
  const distinct = bigColdN;
  const storm = async (label: string, envOf: (i: number) => NodeJS.ProcessEnv) => {
    const s = await startSimulator({ rateLimits: "fast" });
    const run = promisify(execFile);
    const t0 = Date.now();
    const outs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        run(process.execPath, [join(__dirname, "storm-worker.js"), tmp("jfu-storm-out-")], {
          env: {
            ...process.env,
            MYJFROG_URL: s.url,
            MYJFROG_TOKEN: DEFAULT_SIMULATOR_TOKEN,
            JFROG_USAGE_RATE_LIMIT_SCALE: "60",
            ...envOf(i),
          },
        }),
      ),
    );
    const ms = Date.now() - t0;
    const ok = s.requests.filter((r) => r.status === 200).length;
    const limited = s.requests.filter((r) => r.status === 429).length;
    const perProcess = outs.map((o) => JSON.parse(o.stdout) as { requests: number });
    console.log(
      `| ${label} | ${limited} | ${ok} (${perProcess.map((p) => p.requests).join("+")}) | ${distinct} | ${(ms / 1000).toFixed(1)} s |`,
    );
    await s.close();
  };
  console.log(
    "\n| storm: 8 × big stack, windows 60x shorter | 429s from the simulator | requests made | distinct windows | until all finish |",
  );
  console.log("|---|---|---|---|---|");
  const shared = tmp("jfu-storm-cache-");
  await storm("8 processes, one machine (file ledger and cache)", () => ({
    JFROG_USAGE_CACHE_DIR: shared,
  }));

  let redis: ChildProcess | undefined;
  let url = process.env.JFROG_USAGE_TEST_REDIS_URL;
  if (!url) {
    const port = await freePort();
    redis = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 50; i++) {
      try {
        execFileSync("redis-cli", ["-p", String(port), "ping"], { stdio: "ignore" });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    url = `redis://127.0.0.1:${port}`;
  }
  const dirs = Array.from({ length: 8 }, () => tmp("jfu-runner-"));
  await storm("8 runners, own disks, one Redis", (i) => ({
    JFROG_USAGE_CACHE_DIR: dirs[i],
    JFROG_USAGE_REDIS_URL: `${url}/2`,
  }));
  redis?.kill();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
