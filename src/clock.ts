/**
 * Time as this library sees it. Everything that reads the time or waits takes a `Clock`,
 * so tests can move "today" and rate-limit windows without ever really sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * A clock that starts at `start` and advances only when told to, or when something sleeps
 * on it (the sleep returns at once and moves time forward). For tests and benchmarks.
 */
export class ManualClock implements Clock {
  private current: number;
  /** Every sleep requested, in order, in milliseconds. */
  public readonly sleeps: number[] = [];

  constructor(start: number | string | Date) {
    this.current = typeof start === "number" ? start : new Date(start).getTime();
    if (!Number.isFinite(this.current))
      throw new Error(`ManualClock: invalid start ${String(start)}`);
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(time: number | string): void {
    this.current = typeof time === "number" ? time : new Date(time).getTime();
  }

  async sleep(ms: number): Promise<void> {
    const step = Math.max(0, ms);
    this.sleeps.push(step);
    this.current += step;
    await Promise.resolve();
  }
}

/**
 * A clock whose time runs at real speed from a chosen starting instant: "today is
 * 2026-03-15" while timers still fire. Used by the simulator's `today` option.
 */
export function offsetClock(start: number, base: Clock = systemClock): Clock {
  const delta = start - base.now();
  return { now: () => base.now() + delta, sleep: (ms) => base.sleep(ms) };
}
