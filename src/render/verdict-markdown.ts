/** The verdict as a pull-request comment. Every cell from the data is neutralized. */
import { LimitResult, Verdict } from "../budget/evaluate";
import { formatBytes } from "../budget/units";
import { UsageKey } from "../query/constraints";
import { markdownCell } from "./safe";
import { STATUS_PHRASE, statusWord } from "./verdict-text";

const value = (r: LimitResult, v: bigint | number) =>
  r.unit === "bytes" ? formatBytes(v) : `${v}%`;

const ICON = { OK: "✅", FAIL: "❌", WARN: "⚠️", UNTRUSTED: "⚠️" } as const;

function groupName(key: Partial<Record<UsageKey, string>>): string {
  return (
    Object.entries(key)
      .map(([k, v]) => `${k} ${markdownCell(v || "(empty)")}`)
      .join(", ") || "total"
  );
}

export function renderVerdictMarkdown(v: Verdict): string {
  const phrase = STATUS_PHRASE[v.status];
  const title = `${{ fail: "❌", warn: "⚠️", ok: "✅" }[v.status]} ${phrase[0].toUpperCase()}${phrase.slice(1)}`;
  const out: string[] = [
    `### ${title}${v.name ? `: ${markdownCell(v.name)}` : ""}`,
    "",
    `JFrog data transfer from **${v.period.startDate}** to **${v.period.endDate}** (exclusive): **${formatBytes(v.totalBytes)}**, measured until ${v.period.measuredUntil}.`,
    "",
    "| Limit | Level | Scope | Measured | Limit | Headroom | Status |",
    "|---|---|---|--:|--:|--:|---|",
  ];
  for (const r of v.limits) {
    const s = statusWord(r);
    out.push(
      `| ${markdownCell(r.id)} | ${r.level} | ${markdownCell(r.scope)} | ${value(r, r.measured)} | ${value(r, r.limit)} | ${value(r, r.headroom)} | ${ICON[s]} ${s} |`,
    );
  }
  for (const r of v.limits) {
    if (r.ok && r.trusted) continue;
    out.push(
      "",
      `**${ICON[statusWord(r)]} ${markdownCell(r.id)}**${r.description ? ` — ${markdownCell(r.description)}` : ""}: ${markdownCell(r.method)}.`,
    );
    if (r.offenders.length) {
      out.push("", "| Group | Measured | Over by |", "|---|--:|--:|");
      for (const o of r.offenders)
        out.push(`| ${groupName(o.key)} | ${value(r, o.value)} | ${value(r, o.excess)} |`);
      if (r.moreOffenders) out.push(`| … and ${r.moreOffenders} more | | |`);
    }
  }
  if (v.warnings.length) out.push("", ...v.warnings.map((w) => `> ⚠️ ${markdownCell(w)}`));
  if (v.artifacts.length)
    out.push("", `Artifacts: ${v.artifacts.map((a) => `\`${a.replace(/`/g, "'")}\``).join(", ")}`);
  return out.join("\n") + "\n";
}
