/** Writes the verdict's Markdown, SVG and JSON next to the CSV it came from. */
import { join } from "node:path";
import { Verdict } from "../budget/evaluate";
import { renderVerdictMarkdown } from "../render/verdict-markdown";
import { renderVerdictSvg } from "../render/verdict-svg";
import { verdictJson } from "../render/verdict-json";
import { UsageTable } from "../table/usage-table";
import { writeFileAtomic } from "./atomic";

export interface WrittenReports {
  readonly markdown: string;
  readonly svg: string;
  readonly json: string;
}

/** `<dir>/<base>.md`, `.svg` and `.verdict.json`, each written atomically. */
export function writeVerdictReports(
  verdict: Verdict,
  table: UsageTable,
  dir: string,
  base: string,
): WrittenReports {
  const paths = {
    markdown: join(dir, `${base}.md`),
    svg: join(dir, `${base}.svg`),
    json: join(dir, `${base}.verdict.json`),
  };
  const withArtifacts: Verdict = {
    ...verdict,
    artifacts: [...verdict.artifacts, paths.markdown, paths.svg],
  };
  writeFileAtomic(paths.svg, renderVerdictSvg(withArtifacts, table));
  writeFileAtomic(paths.markdown, renderVerdictMarkdown(withArtifacts));
  writeFileAtomic(paths.json, verdictJson(withArtifacts));
  return paths;
}
