import { backoffDelay, parseRetryAfter, resolveRetry } from "../../src/api/retry";

describe("Retry-After", () => {
  const now = Date.parse("2026-12-03T12:00:00Z");
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 03 Dec 2026 12:01:30 GMT", now)).toBe(90_000);
    expect(parseRetryAfter("Thu, 03 Dec 2026 11:00:00 GMT", now)).toBe(0);
  });
  it("ignores what it cannot read", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
    expect(parseRetryAfter("1.5", now)).toBeUndefined();
  });
});

describe("backoff", () => {
  it("doubles, keeps half fixed and half random, and is capped", () => {
    const low = resolveRetry({ random: () => 0 });
    const high = resolveRetry({ random: () => 0.999999 });
    expect([1, 2, 3].map((a) => backoffDelay(a, 2000, low))).toEqual([1000, 2000, 4000]);
    expect([1, 2, 3].map((a) => backoffDelay(a, 2000, high))).toEqual([2000, 4000, 8000]);
    expect(backoffDelay(30, 2000, high)).toBe(300_000);
  });
});
