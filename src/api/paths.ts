import { homedir } from "node:os";
import { join } from "node:path";

/** JFROG_USAGE_CACHE_DIR, else $XDG_CACHE_HOME/jfrog-usage, else ~/.cache/jfrog-usage. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JFROG_USAGE_CACHE_DIR) return env.JFROG_USAGE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "jfrog-usage");
}
