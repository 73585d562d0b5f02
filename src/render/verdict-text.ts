/** The verdict for a terminal: aligned, colour only on a TTY and never when NO_COLOR is set. */
import Table from "cli-table3";
import { LimitResult, Verdict, VerdictStatus } from "../budget/evaluate";
import { formatBytes } from "../budget/units";

export interface TextOptions {
  readonly color?: boolean;
}

/** Whether to colour: a TTY, and NO_COLOR unset or empty (https://no-color.org). */
export function useColor(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== "dumb";
}

const paint = (on: boolean, code: number, text: string) =>
  on ? `\u001b[${code}m${text}\u001b[0m` : text;

function value(r: LimitResult, v: bigint | number): string {
  return r.unit === "bytes" ? formatBytes(v) : `${v}%`;
}

export function statusWord(r: LimitResult): "OK" | "FAIL" | "WARN" | "UNTRUSTED" {
  if (!r.ok) return r.level === "fail" ? "FAIL" : "WARN";
  return r.trusted ? "OK" : "UNTRUSTED";
}

/** The outcome in words, the same in every renderer: "budget exceeded", ... */
export const STATUS_PHRASE: Record<VerdictStatus, string> = {
  fail: "budget exceeded",
  warn: "within budget, with warnings",
  ok: "within budget",
};

export function renderVerdictText(v: Verdict, options: TextOptions = {}): string {
  const c = options.color ?? false;
  const headline = paint(
    c,
    { fail: 31, warn: 33, ok: 32 }[v.status],
    STATUS_PHRASE[v.status].toUpperCase(),
  );
  const lines = [
    `${headline}${v.name ? ` — ${v.name}` : ""}: ${formatBytes(v.totalBytes)} from ${v.period.startDate} to ${v.period.endDate} (exclusive), measured until ${v.period.measuredUntil}`,
  ];
  const t = new Table({
    head: ["limit", "level", "scope", "measured", "limit", "headroom", "status"],
    style: { head: [], border: [], compact: true },
    colAligns: ["left", "left", "left", "right", "right", "right", "left"],
  });
  for (const r of v.limits) {
    const word = statusWord(r);
    const colored =
      word === "OK"
        ? paint(c, 32, word)
        : word === "FAIL"
          ? paint(c, 31, word)
          : paint(c, 33, word);
    t.push([
      r.id,
      r.level,
      r.scope,
      value(r, r.measured),
      value(r, r.limit),
      value(r, r.headroom),
      colored,
    ]);
  }
  lines.push(t.toString());
  for (const r of v.limits) {
    if (r.ok && r.trusted) continue;
    lines.push(`${statusWord(r)} ${r.id}: ${r.summary}.`);
    lines.push(`  how: ${r.method}`);
    if (r.moreOffenders)
      lines.push(`  (${r.offenders.length} offenders shown, ${r.moreOffenders} more)`);
  }
  for (const w of v.warnings) lines.push(`${paint(c, 33, "warning")}: ${w}`);
  if (v.artifacts.length) lines.push(`artifacts: ${v.artifacts.join(", ")}`);
  return lines.join("\n") + "\n";
}
