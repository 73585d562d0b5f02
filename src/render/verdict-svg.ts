/**
 * The verdict as an SVG chart: cumulative usage over the period (solid), usage per
 * partition (bars, right axis), each whole-report limit as a horizontal line and the linear
 * forecast to the period's end (dashed). Every line is labelled where it ends: no legend.
 */
import { Verdict } from "../budget/evaluate";
import { formatBytes } from "../budget/units";
import { DAY, dateMs } from "../query/dates";
import { UsageTable, partitionTotals } from "../table/usage-table";
import { xmlText } from "./safe";
import { STATUS_PHRASE } from "./verdict-text";

const W = 860;
const H = 470;
const M = { top: 48, right: 210, bottom: 130, left: 78 };
/** The strip below the main chart that shows usage per partition. */
const STRIP = { gap: 28, height: 70 };

/** A round step (1, 2, 2.5 or 5 × 10^k) that splits `max` into about `n` parts. */
export function niceStep(max: number, n = 5): number {
  const raw = max / n;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = [1, 2, 2.5, 5, 10].find((f) => f * pow >= raw) ?? 10;
  return m * pow;
}

export function renderVerdictSvg(verdict: Verdict, table: UsageTable): string {
  const start = dateMs(verdict.period.startDate);
  const end = Math.max(dateMs(verdict.period.periodEnd), dateMs(verdict.period.endDate));
  const until = Math.min(Date.parse(verdict.period.measuredUntil), end);
  const parts = partitionTotals(table);
  const monthly =
    parts.length > 1 && dateMs(parts[1].partition) - dateMs(parts[0].partition) > 20 * DAY;
  const step = (p: string, i: number) =>
    monthly ? (parts[i + 1] ? dateMs(parts[i + 1].partition) : end) - dateMs(p) : DAY;

  // cumulative series at the end of each partition, capped at "measured until"
  let acc = 0n;
  const points: { t: number; bytes: bigint }[] = [{ t: start, bytes: 0n }];
  parts.forEach((p, i) => {
    acc += p.bytes;
    points.push({ t: Math.min(dateMs(p.partition) + step(p.partition, i), until), bytes: acc });
  });
  const total = verdict.totalBytes;
  const elapsed = until - start;
  const forecast =
    elapsed > 0 && until < end ? (total * BigInt(end - start)) / BigInt(elapsed) : undefined;
  const lines = verdict.limits.filter(
    (l) => l.unit === "bytes" && !l.scope.startsWith("per ") && !l.scope.includes(" where "),
  );
  const yMaxBig = [total, forecast ?? 0n, ...lines.map((l) => l.limit as bigint)].reduce(
    (a, b) => (b > a ? b : a),
    1n,
  );
  const yStep = niceStep(Number(yMaxBig) * 1.05);
  const yMax = Math.ceil((Number(yMaxBig) * 1.05) / yStep) * yStep;
  const barMax = Math.max(1, ...parts.map((p) => Number(p.bytes)));

  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const stripTop = M.top + ph + STRIP.gap;
  const x = (t: number) => M.left + ((t - start) / Math.max(1, end - start)) * pw;
  const y = (b: number) => M.top + ph - (b / yMax) * ph;
  const yBar = (b: number) => stripTop + STRIP.height - (b / barMax) * STRIP.height;
  const f = (n: number) => n.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
  );
  const status = STATUS_PHRASE[verdict.status];
  const color =
    verdict.status === "fail" ? "#c62828" : verdict.status === "warn" ? "#ef6c00" : "#2e7d32";
  out.push(
    `<text x="${M.left}" y="22" font-size="16" font-weight="bold">${xmlText(`JFrog data transfer${verdict.name ? ` — ${verdict.name}` : ""}`)}</text>`,
    `<text x="${M.left}" y="38" fill="${color}">${xmlText(`${verdict.period.startDate} to ${verdict.period.periodEnd}: ${formatBytes(total)} so far, ${status}`)}</text>`,
  );
  // y grid and labels
  for (let v = 0; v <= yMax + 1; v += yStep) {
    out.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e0e0e0"/>`,
      `<text x="${M.left - 8}" y="${f(y(v) + 4)}" text-anchor="end" fill="#555">${xmlText(formatBytes(Math.round(v)))}</text>`,
    );
  }
  // x labels: about 6
  const days = Math.round((end - start) / DAY);
  const every = Math.max(1, Math.ceil(days / 6));
  for (let d = 0; d <= days; d += every) {
    const t = start + d * DAY;
    out.push(
      `<text x="${f(x(t))}" y="${stripTop + STRIP.height + 18}" text-anchor="middle" fill="#555">${new Date(t).toISOString().slice(0, 10)}</text>`,
    );
  }
  // strip: usage per partition, on its own scale
  out.push(
    `<line x1="${M.left}" x2="${M.left + pw}" y1="${stripTop + STRIP.height}" y2="${stripTop + STRIP.height}" stroke="#999"/>`,
    `<text x="${M.left - 8}" y="${stripTop + 10}" text-anchor="end" fill="#555">${monthly ? "per month" : "per day"}</text>`,
  );
  parts.forEach((p, i) => {
    const t0 = dateMs(p.partition);
    const w = Math.max(1, x(t0 + step(p.partition, i)) - x(t0) - 1);
    out.push(
      `<rect x="${f(x(t0))}" y="${f(yBar(Number(p.bytes)))}" width="${f(w)}" height="${f(stripTop + STRIP.height - yBar(Number(p.bytes)))}" fill="#64b5f6"><title>${xmlText(`${p.partition}: ${formatBytes(p.bytes)}`)}</title></rect>`,
    );
  });
  out.push(
    `<text x="${M.left + pw + 6}" y="${f(yBar(barMax) + 4)}" fill="#1e88e5">${xmlText(`peak ${formatBytes(barMax)}${monthly ? "/month" : "/day"}`)}</text>`,
  );
  // cumulative line
  out.push(
    `<polyline fill="none" stroke="#1565c0" stroke-width="2.5" points="${points.map((p) => `${f(x(p.t))},${f(y(Number(p.bytes)))}`).join(" ")}"/>`,
  );
  const last = points[points.length - 1];
  out.push(
    `<text x="${f(x(last.t) + 6)}" y="${f(y(Number(last.bytes)) - 6)}" fill="#1565c0" font-weight="bold">${xmlText(`${formatBytes(total)} used so far`)}</text>`,
  );
  // forecast
  if (forecast !== undefined) {
    out.push(
      `<line x1="${f(x(last.t))}" y1="${f(y(Number(last.bytes)))}" x2="${f(x(end))}" y2="${f(y(Number(forecast)))}" stroke="#1565c0" stroke-width="2" stroke-dasharray="6 5"/>`,
      `<text x="${M.left + pw + 6}" y="${f(y(Number(forecast)) + 4)}" fill="#1565c0">${xmlText(`forecast ${formatBytes(forecast)}`)}</text>`,
    );
  }
  // limits: one line per value, labelled with every limit at that value
  const byValue = new Map<string, typeof lines>();
  for (const l of lines) byValue.set(String(l.limit), [...(byValue.get(String(l.limit)) ?? []), l]);
  for (const same of byValue.values()) {
    const ly = y(Number(same[0].limit));
    const fails = same.some((l) => l.level === "fail");
    const lc = fails ? "#c62828" : "#ef6c00";
    const ids = same.map((l) => l.id).join(", ");
    out.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${f(ly)}" y2="${f(ly)}" stroke="${lc}" stroke-width="1.5"/>`,
      `<text x="${M.left + pw + 6}" y="${f(ly + 4)}" fill="${lc}">${xmlText(`limit ${formatBytes(same[0].limit)} (${fails ? "fail" : "warn"})`)}</text>`,
      `<text x="${M.left + pw + 6}" y="${f(ly + 18)}" fill="${lc}" font-size="10">${xmlText(ids.length > 36 ? `${ids.slice(0, 35)}…` : ids)}</text>`,
    );
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#999"/>`);
  out.push(
    `<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#999"/>`,
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}
