/** Neutralizing cells that came from the data before they reach a spreadsheet or Markdown. */

/** A cell starting with = + - @ (or a tab or CR) is read as a formula by spreadsheets. */
export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Text safe inside a Markdown table cell: no pipes, no line breaks, no HTML, links, images,
 * emphasis or code spans of its own, and no formula prefix.
 */
export function markdownCell(value: string): string {
  return neutralizeFormula(value)
    .replace(/[\r\n]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`);
}

/** Text safe inside SVG/XML. */
export function xmlText(value: string): string {
  return value.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}
