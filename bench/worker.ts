/** One measurement in a fresh process, so each peak RSS is its own. */
import { parse } from "csv-parse";
import { createReadStream } from "node:fs";
import { readUsageCsv } from "../src/table/read-csv";

async function run(mode: string, file: string): Promise<unknown> {
  if (mode === "raw") {
    let bytes = 0;
    for await (const chunk of createReadStream(file)) bytes += (chunk as Buffer).length;
    return { bytes };
  }
  if (mode === "csv-parse") {
    let rows = 0;
    let sum = 0;
    for await (const record of createReadStream(file).pipe(parse({ bom: true, from_line: 2 }))) {
      rows++;
      sum += Number((record as string[])[(record as string[]).length - 1]);
    }
    return { rows, sum };
  }
  if (mode === "ours") {
    const t = await readUsageCsv(file, { groupBy: ["repository", "action"] });
    return { rows: t.inputRows, total: t.totalBytes.toString(), groups: t.rows.length };
  }
  throw new Error(`unknown mode ${mode}`);
}

const [mode, file] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
run(mode, file).then(
  (result) => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    process.stdout.write(
      JSON.stringify({ mode, ms, maxRssMB: process.resourceUsage().maxRSS / 1024, result }) + "\n",
    );
  },
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exitCode = 1;
  },
);
