import { Clock, systemClock } from "../clock";

/** What a command may touch: its streams, environment and clock. Injected for tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly clock: Clock;
  readonly cwd: string;
  /** Whether stderr is a terminal (progress redraws and colour). */
  readonly isTTY: boolean;
}

export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    clock: systemClock,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
  };
}
