/**
 * `npm run bench`: our CSV reader against a plain csv-parse loop and against reading the
 * file without parsing, on exports of about 100 MB and 1 GB. Reports ratios from one run.
 * BENCH_SIZES_MB=100,1000 overrides the sizes.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { generateExport } from "./generate";

interface Sample {
  mode: string;
  ms: number;
  maxRssMB: number;
  result: unknown;
}

async function main(): Promise<void> {
  const dir = join(__dirname, "..", "..", ".bench");
  mkdirSync(dir, { recursive: true });
  const sizes = (process.env.BENCH_SIZES_MB ?? "100,1000").split(",").map(Number);
  console.log(
    `machine: ${cpus()[0]?.model ?? "unknown cpu"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  console.log("");
  console.log(
    "| export | rows | read only | csv-parse loop | ours | ours / csv-parse | ours / read | peak RSS read / csv-parse / ours |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const mb of sizes) {
    const file = join(dir, `export-${mb}MB.csv`);
    if (!existsSync(file) || statSync(file).size < mb * 1e6) await generateExport(file, mb * 1e6);
    const worker = join(__dirname, "worker.js");
    const measure = (mode: string): Sample =>
      JSON.parse(
        execFileSync(process.execPath, [worker, mode, file], {
          encoding: "utf8",
          maxBuffer: 1 << 20,
        }),
      ) as Sample;
    const raw = measure("raw");
    const plain = measure("csv-parse");
    const ours = measure("ours");
    const rows = (ours.result as { rows: number }).rows;
    const mbps = (s: Sample) => `${(statSync(file).size / 1e6 / (s.ms / 1000)).toFixed(0)} MB/s`;
    console.log(
      `| ${(statSync(file).size / 1e6).toFixed(0)} MB | ${rows.toLocaleString("en")} | ${mbps(raw)} | ${mbps(plain)} | ${mbps(ours)} | ` +
        `${(ours.ms / plain.ms).toFixed(2)}x time | ${(ours.ms / raw.ms).toFixed(1)}x time | ` +
        `${raw.maxRssMB.toFixed(0)} / ${plain.maxRssMB.toFixed(0)} / ${ours.maxRssMB.toFixed(0)} MB |`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
