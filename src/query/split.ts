/**
 * Splitting a period into the windows one request may cover (3 months by day, 12 by month).
 * Windows are aligned to a fixed calendar grid (quarters by day, years by month), so the
 * windows of a long period are the same from one day to the next and past ones are served
 * from the cache. Every day is covered exactly once.
 */
import { CONSTRAINTS, UsageKey } from "./constraints";
import { addDays, addMonths, daysBetween } from "./dates";
import { NormalizedQuery } from "./query";

/** The first grid boundary strictly after `date`: the next quarter (day) or year (month). */
function nextBoundary(date: string, months: number): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7)) - 1;
  const gridMonth = Math.floor(m / months) * months + months;
  return new Date(Date.UTC(y, gridMonth, 1)).toISOString().slice(0, 10);
}

export function planWindows(q: NormalizedQuery): NormalizedQuery[] {
  const months = CONSTRAINTS.maxSpanMonths[q.partitionBy];
  if (q.endDate <= addMonths(q.startDate, months)) return [q];
  const bounds: string[] = [q.startDate];
  for (let b = nextBoundary(q.startDate, months); b < q.endDate; b = addMonths(b, months))
    bounds.push(b);
  bounds.push(q.endDate);

  const coarse = [...q.groupBy, ...(Object.keys(q.filterBy) as UsageKey[])].some((k) =>
    CONSTRAINTS.coarseKeys.includes(k),
  );
  if (coarse && bounds.length > 2) {
    const min = CONSTRAINTS.coarseKeyMinDays;
    // A short first or last window borrows days from its neighbour (which stays well over the minimum).
    if (daysBetween(bounds[0], bounds[1]) < min) bounds[1] = addDays(bounds[0], min);
    const n = bounds.length;
    if (daysBetween(bounds[n - 2], bounds[n - 1]) < min)
      bounds[n - 2] = addDays(bounds[n - 1], -min);
  }
  const windows: NormalizedQuery[] = [];
  for (let i = 0; i + 1 < bounds.length; i++)
    windows.push({ ...q, startDate: bounds[i], endDate: bounds[i + 1] });
  return windows;
}
