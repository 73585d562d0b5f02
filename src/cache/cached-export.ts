/** One window's export through the cache: a verified hit is copied out, a miss is fetched and kept. */
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { ExportClient } from "../api/client";
import { Clock } from "../clock";
import { exportFileName } from "../query/constraints";
import { NormalizedQuery } from "../query/query";
import { planWindows } from "../query/split";
import { ExportCache, cacheKey } from "./export-cache";

export interface WindowResult {
  readonly path: string;
  readonly query: NormalizedQuery;
  readonly fromCache: boolean;
  /** HTTP attempts (0 for a cache hit). */
  readonly attempts: number;
}

export async function exportWindow(
  client: ExportClient,
  cache: ExportCache | undefined,
  q: NormalizedQuery,
  outDir: string,
  fileName: string,
  now: number,
): Promise<WindowResult> {
  const target = join(outDir, fileName);
  const copyOut = async (hit: string): Promise<WindowResult> => {
    await fsp.mkdir(outDir, { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.partial`;
    await fsp.copyFile(hit, tmp);
    await fsp.rename(tmp, target);
    return { path: target, query: q, fromCache: true, attempts: 0 };
  };
  if (!cache) {
    const r = await client.exportToFile(q, outDir, { fileName });
    return { path: r.path, query: q, fromCache: false, attempts: r.attempts };
  }
  const hit = await cache.get(client.baseUrl, client.tokenId, q, now);
  if (hit) return copyOut(hit);
  // Single flight: one process per machine (a file lock), and with a shared cache one runner
  // per fleet (a Redis lock), fetches a window; the others wait and then find its entry.
  const key = cacheKey(client.baseUrl, client.tokenId, q);
  const fetchOrFind = async (): Promise<WindowResult> => {
    const again = await cache.get(client.baseUrl, client.tokenId, q, now);
    if (again) return copyOut(again);
    const shared = await cache.shared?.get(client.baseUrl, client.tokenId, q, now);
    if (shared)
      return copyOut(await cache.putContent(client.baseUrl, client.tokenId, q, shared, now));
    const r = await client.exportToFile(q, outDir, { fileName });
    await cache.put(client.baseUrl, client.tokenId, q, r.path, now);
    return { path: r.path, query: q, fromCache: false, attempts: r.attempts };
  };
  return cache.withLock(key, () =>
    cache.shared ? cache.shared.withLock(key, fetchOrFind) : fetchOrFind(),
  );
}

/**
 * A query of any length: split into the windows one request may cover, each exported under
 * JFrog's documented name through the cache. `onWindow` hears of each as it lands.
 */
export async function exportWindows(
  client: ExportClient,
  cache: ExportCache | undefined,
  q: NormalizedQuery,
  outDir: string,
  clock: Clock,
  onWindow?: (r: WindowResult) => void,
): Promise<WindowResult[]> {
  const results: WindowResult[] = [];
  for (const w of planWindows(q)) {
    const r = await exportWindow(
      client,
      cache,
      w,
      outDir,
      exportFileName(w.startDate, w.endDate),
      clock.now(),
    );
    onWindow?.(r);
    results.push(r);
  }
  return results;
}
