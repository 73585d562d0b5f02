/** Turns client events into lines on stderr: one line per change of state, never the token. */
import { ClientEvent } from "../api/client";
import { formatBytes } from "../budget/units";

export function formatDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
}

export function progressReporter(
  write: (line: string) => void,
  verbose: boolean,
): (e: ClientEvent) => void {
  return (e) => {
    switch (e.type) {
      case "wait":
        write(
          `jfrog-usage: waiting ${formatDuration(e.ms)} for a free request slot (${e.reason}); ` +
            `next slot at ${new Date(e.until).toISOString()}\n`,
        );
        break;
      case "retry":
        write(
          `jfrog-usage: attempt ${e.attempt} failed (${e.reason}); retrying in ${formatDuration(e.ms)}\n`,
        );
        break;
      case "request":
        if (verbose) write(`jfrog-usage: GET ${e.path} (attempt ${e.attempt})\n`);
        break;
      case "response":
        if (verbose) write(`jfrog-usage: HTTP ${e.status} after ${e.ms} ms\n`);
        break;
      case "saved":
        if (verbose) write(`jfrog-usage: saved ${formatBytes(e.bytes)} to ${e.path}\n`);
        break;
    }
  };
}
