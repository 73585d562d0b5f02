import Redis from "ioredis";
import { NetworkError } from "./errors";

/**
 * Runs `fn` on a fresh Redis connection and closes it. A connection per use: the ledger and
 * the shared cache are touched a handful of times per process, and an idle connection would
 * keep a CLI process alive. `what` names the user in the error ("the limiter's Redis").
 */
export async function withRedis<T>(
  url: string,
  what: string,
  fn: (redis: Redis) => Promise<T>,
): Promise<T> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
  });
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    throw new NetworkError("connection", `cannot reach ${what} at ${new URL(url).host}`, 1);
  }
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}
