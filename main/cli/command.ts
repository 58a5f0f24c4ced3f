// What every CLI command module gets and returns: parsed globals, its own argv, streams; an exit code back.
import type { Readable, Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CommandContext {
  /** The arguments after the command name (e.g. for `queue retry X`: ['retry', 'X']). */
  argv: string[];
  /** --data-dir / TAXPOYNT_BRIDGE_DATA_DIR / the OS default. */
  dataDir: string;
  /** --config FILE, or <dataDir>/config.json. */
  configFile: string;
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export interface Command {
  name: string;
  /** One line for `--help`. */
  summary: string;
  /** Usage lines for `<command> --help`. */
  usage: string;
  run(ctx: CommandContext): Promise<number>;
}

/** An error the user caused (bad argument, missing file): printed as its message, exit code 2, never a stack. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function writeJson(out: Writable, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}

/** node:util parseArgs for a command's own arguments: an unknown option or a missing value is a UsageError. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (see --help)`);
  }
}
