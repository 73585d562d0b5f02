/** Calendar dates as `YYYY-MM-DD` strings, always UTC. */

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a `YYYY-MM-DD` date; undefined when malformed or impossible (2025-02-30). */
export function parseIsoDate(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return undefined;
  }
  return t;
}

export function isIsoDate(text: string): boolean {
  return parseIsoDate(text) !== undefined;
}

/** Parses a date that is known to be valid; throws otherwise (a programming error). */
export function dateMs(text: string): number {
  const t = parseIsoDate(text);
  if (t === undefined) throw new RangeError(`not a YYYY-MM-DD date: ${text}`);
  return t;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC date of an instant. */
export function utcDay(ms: number): string {
  return formatDate(Math.floor(ms / DAY_MS) * DAY_MS);
}

export function addDays(date: string, days: number): string {
  return formatDate(dateMs(date) + days * DAY_MS);
}

/** Adds calendar months, clamping the day to the month's end (Jan 31 + 1 month = Feb 28). */
export function addMonths(date: string, months: number): string {
  const d = new Date(dateMs(date));
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return formatDate(Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay)));
}

/** Whole days from `a` to `b` (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((dateMs(b) - dateMs(a)) / DAY_MS);
}

export function startOfMonth(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

/** Every date in [start, end). */
export function* eachDay(start: string, end: string): Generator<string> {
  for (let t = dateMs(start), e = dateMs(end); t < e; t += DAY_MS) yield formatDate(t);
}

export const DAY = DAY_MS;
