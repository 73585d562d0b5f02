/**
 * Writes a large synthetic export with the simulator's generator: every event its own row,
 * grouped by every key, as a day-partitioned export would look at its most detailed.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { USAGE_KEYS } from "../src/query/constraints";
import { addDays } from "../src/query/dates";
import { csvHeader, csvRow } from "../src/simulator/csv-format";
import { buildSubscription, eventsForDay } from "../src/simulator/data";

export async function generateExport(
  file: string,
  targetBytes: number,
  startDate = "2025-06-01",
): Promise<{ rows: number; bytes: number }> {
  const out = createWriteStream(file);
  const sub = buildSubscription();
  const eventsPerDay = 20_000;
  let bytes = 0;
  let rows = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, "drain");
  };
  await write(csvHeader(USAGE_KEYS));
  for (let d = 0; bytes < targetBytes; d++) {
    const day = addDays(startDate, d);
    let chunk = "";
    for (const ev of eventsForDay(sub, day, { eventsPerDay, seed: 7 })) {
      chunk += csvRow(
        day,
        USAGE_KEYS.map((k) => ev.dims[k]),
        ev.bytes,
      );
      rows++;
      if (chunk.length > 1 << 16) {
        await write(chunk);
        chunk = "";
        if (bytes >= targetBytes) break;
      }
    }
    if (chunk) await write(chunk);
  }
  out.end();
  await once(out, "finish");
  return { rows, bytes };
}
