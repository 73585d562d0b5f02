/** One process of the storm: resolve the big stack and synth it; print what it cost. */
import { bigStack } from "./stacks";
import { resolveUsage } from "../src";

const outdir = process.argv[2];
const plain = process.argv[3] === "--plain";
const t0 = Date.now();
const app = bigStack(outdir, !plain);
(plain ? Promise.resolve({ requests: 0 }) : resolveUsage(app, { log: () => undefined }))
  .then((r) => {
    app.synth();
    process.stdout.write(JSON.stringify({ requests: r.requests, ms: Date.now() - t0 }) + "\n");
  })
  .catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
