import { InvalidInputError } from "../errors";
import { isIsoDate } from "../query/dates";
import { RateLimitMode, startSimulator } from "../simulator/server";
import { CliIo } from "./io";

export interface SimulateFlags {
  port: string;
  today?: string;
  seed: string;
  rateLimits: RateLimitMode;
  token?: string[];
  tokenWithoutView?: string[];
}

/** Serves until SIGINT or SIGTERM; prints the URL alone on the first line of stdout. */
export async function simulateCommand(
  io: CliIo,
  flags: SimulateFlags,
  stop?: Promise<void>,
): Promise<number> {
  const problems: string[] = [];
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`--port: "${flags.port}" must be 0..65535`);
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) problems.push(`--seed: "${flags.seed}" must be a whole number`);
  if (flags.today !== undefined && !isIsoDate(flags.today))
    problems.push(`--today: "${flags.today}" must be YYYY-MM-DD`);
  if (problems.length) throw new InvalidInputError(problems.join("; "));
  const noView = flags.tokenWithoutView ?? [];
  // The default token stays unless --token names others.
  const tokens = [
    ...(flags.token ?? ["sim-token"]),
    ...noView.map((t) => ({ token: t, viewUsage: false })),
  ];
  const sim = await startSimulator({
    port,
    seed,
    today: flags.today,
    rateLimits: flags.rateLimits,
    tokens,
  });
  io.stdout(`${sim.url}\n`);
  io.stderr(
    `jfrog-usage simulate: serving MyJFrog's usage export on ${sim.url} (rate limits: ${flags.rateLimits}` +
      `${flags.today ? `, today ${flags.today}` : ""}). Try:\n` +
      `  MYJFROG_URL=${sim.url} MYJFROG_TOKEN=<one of the --token values, default sim-token> jfrog-usage export --period month-to-date --group-by repository\n`,
  );
  await (stop ??
    new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    }));
  await sim.close();
  return 0;
}
