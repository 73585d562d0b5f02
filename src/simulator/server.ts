/**
 * A faithful local stand-in for MyJFrog's usage export endpoint, on loopback. It applies
 * the same constraint table as our validation, the documented status codes, both rate-limit
 * scopes with `Retry-After`, and injectable faults, and serves deterministic data.
 */
import { createHash } from "node:crypto";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { Clock, offsetClock, systemClock } from "../clock";
import { CONSTRAINTS, RateWindow, UsageKey, exportFileName } from "../query/constraints";
import { dateMs } from "../query/dates";
import { UsageQuery, normalizeQuery, queryProblems } from "../query/query";
import { GeneratorOptions, buildSubscription } from "./data";
import { computeExport, exportCsv } from "./export";

export type SimulatorFault =
  /** Answer with this status (500 by default) instead of the export. */
  | { readonly kind: "status"; readonly status?: number; readonly times?: number }
  /** Send the headers (with the full Content-Length) and this many body bytes, then drop. */
  | { readonly kind: "cut"; readonly afterBytes?: number; readonly times?: number }
  /** Send the body in small chunks with a pause between them. */
  | {
      readonly kind: "slow";
      readonly chunkDelayMs: number;
      readonly chunkBytes?: number;
      readonly times?: number;
    }
  /** Accept the request and never answer. */
  | { readonly kind: "hang"; readonly times?: number }
  /** Answer 429 as if JFrog's limits had shrunk, with or without Retry-After. */
  | { readonly kind: "429"; readonly retryAfterSeconds?: number; readonly times?: number };

export interface SimulatorToken {
  readonly token: string;
  /** Whether the token's user has `view_usage`. @default true */
  readonly viewUsage?: boolean;
}

export type RateLimitMode = "real" | "off" | "fast";

export interface SimulatorOptions extends GeneratorOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** The simulator's "today" (UTC): its clock starts at noon of that day and runs. */
  readonly today?: string;
  /** Overrides `today`: the simulator's time, for tests. */
  readonly clock?: Clock;
  /** Tokens it accepts. @default ["sim-token"] */
  readonly tokens?: readonly (string | SimulatorToken)[];
  /** `real`: the documented windows; `fast`: the same counts, windows 60 times shorter. @default "real" */
  readonly rateLimits?: RateLimitMode;
  /** How 429s say when to come back. @default "seconds" */
  readonly retryAfter?: "seconds" | "date" | "none";
  /** Faults applied to the next export requests, in order. */
  readonly faults?: readonly SimulatorFault[];
}

export interface SimulatedRequest {
  readonly at: number;
  readonly path: string;
  readonly status: number;
  /** A short hash naming the token, never the token. */
  readonly tokenId?: string;
  readonly fault?: SimulatorFault["kind"];
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  /** Every request it answered, oldest first. */
  readonly requests: SimulatedRequest[];
  injectFault(fault: SimulatorFault): void;
  /** Forgets all rate-limit history. */
  resetRateLimits(): void;
  close(): Promise<void>;
}

export const DEFAULT_SIMULATOR_TOKEN = "sim-token";

function windowsFor(mode: RateLimitMode): { token: RateWindow[]; ip: RateWindow[] } {
  const scale = mode === "fast" ? 60 : 1;
  const scaled = (ws: readonly RateWindow[]) =>
    ws.map((w) => ({ max: w.max, windowMs: w.windowMs / scale }));
  if (mode === "off") return { token: [], ip: [] };
  return { token: scaled(CONSTRAINTS.rateLimits.token), ip: scaled(CONSTRAINTS.rateLimits.ip) };
}

/** Sliding-window counters; answers how long until a request would fit. */
class Windows {
  private readonly history = new Map<string, number[]>();
  constructor(private readonly windows: readonly RateWindow[]) {}

  /** Milliseconds until a request fits (0: it fits now). */
  waitFor(scope: string, now: number): number {
    const times = this.history.get(scope) ?? [];
    let wait = 0;
    for (const w of this.windows) {
      const inWindow = times.filter((t) => t > now - w.windowMs);
      if (inWindow.length >= w.max) {
        wait = Math.max(wait, inWindow[inWindow.length - w.max] + w.windowMs - now);
      }
    }
    return wait;
  }

  record(scope: string, now: number): void {
    const longest = Math.max(0, ...this.windows.map((w) => w.windowMs));
    const times = (this.history.get(scope) ?? []).filter((t) => t > now - longest);
    times.push(now);
    this.history.set(scope, times);
  }

  clear(): void {
    this.history.clear();
  }
}

const tokenId = (token: string) => createHash("sha256").update(token).digest("hex").slice(0, 8);

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock =
    options.clock ??
    (options.today ? offsetClock(dateMs(options.today) + 12 * 3_600_000) : systemClock);
  if (options.today !== undefined && Number.isNaN(Date.parse(options.today))) {
    throw new Error(`simulator: today must be YYYY-MM-DD, got ${options.today}`);
  }
  const tokens = new Map<string, SimulatorToken>();
  for (const t of options.tokens ?? [DEFAULT_SIMULATOR_TOKEN]) {
    const entry = typeof t === "string" ? { token: t } : t;
    tokens.set(entry.token, entry);
  }
  const mode = options.rateLimits ?? "real";
  const limits = windowsFor(mode);
  const ipWindows = new Windows(limits.ip);
  const tokenWindows = new Windows(limits.token);
  const faults: { fault: SimulatorFault; left: number }[] = (options.faults ?? []).map((f) => ({
    fault: f,
    left: f.times ?? 1,
  }));
  const sub = buildSubscription();
  const requests: SimulatedRequest[] = [];
  const open = new Set<ServerResponse>();

  const retryAfterHeader = (waitMs: number, now: number): Record<string, string> => {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    if (options.retryAfter === "none") return {};
    if (options.retryAfter === "date") {
      return { "retry-after": new Date(Math.ceil((now + waitMs) / 1000) * 1000).toUTCString() };
    }
    return { "retry-after": String(seconds) };
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const now = clock.now();
    const url = new URL(req.url ?? "/", "http://simulator");
    const who: { tokenId?: string } = {};
    const log = (status: number, fault?: SimulatorFault["kind"]) =>
      requests.push({
        at: now,
        path: url.pathname + url.search,
        status,
        tokenId: who.tokenId,
        fault,
      });
    const json = (status: number, message: string, headers: Record<string, string> = {}) => {
      log(status);
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify({ errors: [{ status, message }] }));
    };

    const m = /^\/api\/usage\/v1\/export\/([^/]+)$/.exec(url.pathname);
    if (req.method !== "GET" || !m)
      return json(404, `no such endpoint: ${req.method} ${url.pathname}`);

    const ip = req.socket.remoteAddress ?? "unknown";
    const ipWait = ipWindows.waitFor(ip, now);
    if (ipWait > 0)
      return json(429, "Request rate exceeded for this IP", retryAfterHeader(ipWait, now));
    ipWindows.record(ip, now);

    const auth = req.headers.authorization ?? "";
    const bearer = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (!bearer || !tokens.has(bearer)) return json(401, "Missing or invalid bearer token");
    const tid = (who.tokenId = tokenId(bearer));
    if (tokens.get(bearer)?.viewUsage === false) {
      return json(403, "User lacks the required view_usage permission");
    }
    const tokenWait = tokenWindows.waitFor(tid, now);
    if (tokenWait > 0) {
      return json(429, "Request rate exceeded for this token", retryAfterHeader(tokenWait, now));
    }
    tokenWindows.record(tid, now);

    const next = faults.find((f) => f.left > 0);
    if (next) next.left--;
    const fault = next?.fault;
    if (fault?.kind === "status") return json(fault.status ?? 500, "Internal Server Error");
    if (fault?.kind === "429") {
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined
          ? {}
          : { "retry-after": String(fault.retryAfterSeconds) };
      return json(429, "Request rate exceeded", headers);
    }
    if (fault?.kind === "hang") {
      log(0, "hang");
      open.add(res);
      return;
    }

    // Parameters, read the way a server reads them: brackets encoded or not.
    const problems: string[] = [];
    const scenario = m[1];
    if (scenario !== CONSTRAINTS.scenario)
      problems.push(`scenario: only "traffic" is supported, got "${scenario}"`);
    const format = url.searchParams.get("format");
    if (format !== CONSTRAINTS.format)
      problems.push(`format: only "csv" is supported, got "${format ?? ""}"`);
    const filterBy: Record<string, string[]> = {};
    const groupBy: string[] = [];
    const known = new Set([
      "format",
      "start_date",
      "non_inclusive_end_date",
      "partition_by",
      "partition_group_limit",
      "group_by",
    ]);
    for (const [name, value] of url.searchParams) {
      const f = /^filter_by\[([^\]]*)\]$/.exec(name);
      if (f) (filterBy[f[1]] ??= []).push(value);
      else if (name === "group_by") groupBy.push(value);
      else if (!known.has(name)) problems.push(`${name}: unknown parameter`);
    }
    const limitText = url.searchParams.get("partition_group_limit");
    const query: UsageQuery = {
      startDate: url.searchParams.get("start_date") ?? "",
      endDate: url.searchParams.get("non_inclusive_end_date") ?? "",
      partitionBy: (url.searchParams.get("partition_by") ?? "day") as "day",
      partitionGroupLimit:
        limitText === null ? undefined : /^\d+$/.test(limitText) ? Number(limitText) : NaN,
      filterBy: filterBy as UsageQuery["filterBy"],
      groupBy: groupBy as UsageKey[],
    };
    problems.push(...queryProblems(query, { now }));
    if (problems.length > 0) {
      return json(400, problems.join("; "));
    }

    const q = normalizeQuery(query);
    const body = Buffer.from(exportCsv(q, computeExport(q, sub, options, now)), "utf8");
    const headers = {
      // The documentation claims application/json; clients must not rely on it.
      "content-type": "application/json",
      "content-disposition": `attachment; filename="${exportFileName(q.startDate, q.endDate)}"`,
      "content-length": String(body.length),
    };
    log(200, fault?.kind);
    res.writeHead(200, headers);
    if (fault?.kind === "cut") {
      res.write(
        body.subarray(
          0,
          Math.min(body.length - 1, fault.afterBytes ?? Math.floor(body.length / 2)),
        ),
      );
      setTimeout(() => res.socket?.destroy(), 5);
      return;
    }
    if (fault?.kind === "slow") {
      const size = fault.chunkBytes ?? 64;
      let offset = 0;
      open.add(res);
      const tick = () => {
        if (res.destroyed) return;
        if (offset >= body.length) {
          open.delete(res);
          res.end();
          return;
        }
        res.write(body.subarray(offset, offset + size));
        offset += size;
        setTimeout(tick, fault.chunkDelayMs);
      };
      tick();
      return;
    }
    res.end(body);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? "127.0.0.1";
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    requests,
    injectFault: (fault) => faults.push({ fault, left: fault.times ?? 1 }),
    resetRateLimits: () => {
      ipWindows.clear();
      tokenWindows.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
