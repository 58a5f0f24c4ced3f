#!/usr/bin/env node
// The headless entry `taxpoynt-bridge`: global options, then one command module per command.
import { fileURLToPath } from 'node:url';
import type { Command, CommandContext } from './cli/command.js';
import { UsageError } from './cli/command.js';
import { ConfigError } from './engine/config.js';
import { resolveDataDir, dataPaths } from './engine/paths.js';
import { KeychainUnavailable } from './vault/index.js';
import { packageVersion } from './engine/version.js';
import { redactText } from './telemetry/redact.js';

/** Commands load lazily so `--help` and `decode` never open native modules they do not need. */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  run: () => import('./cli/run.js'),
  status: () => import('./cli/status.js'),
  doctor: () => import('./cli/doctor.js'),
  config: () => import('./cli/config.js'),
  devices: () => import('./cli/devices.js'),
  decode: () => import('./cli/decode.js'),
  parse: () => import('./cli/parse.js'),
  ingest: () => import('./cli/ingest.js'),
  queue: () => import('./cli/queue.js'),
  pair: () => import('./cli/pair.js'),
  unpair: () => import('./cli/unpair.js'),
  update: () => import('./cli/update.js'),
  diagnostics: () => import('./cli/diagnostics.js'),
  watchdog: () => import('./cli/watchdog.js'),
};

async function helpText(): Promise<string> {
  const rows: string[] = [];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      const { command } = await load();
      rows.push(`  ${name.padEnd(12)} ${command.summary}`);
    } catch {
      rows.push(`  ${name.padEnd(12)} (could not load)`);
    }
  }
  return [
    `taxpoynt-bridge ${packageVersion()} — TaxPoynt POS Bridge, headless`,
    '',
    'Usage: taxpoynt-bridge [--data-dir DIR] [--config FILE] <command> [options]',
    '',
    'Commands:',
    ...rows,
    '',
    'Global options:',
    '  --data-dir DIR   where the bridge keeps its database, logs and config (env TAXPOYNT_BRIDGE_DATA_DIR)',
    '  --config FILE    config file (default <data-dir>/config.json)',
    '  --help, -h       this help; `taxpoynt-bridge <command> --help` for a command',
    '  --version, -v    the bridge version',
    '',
    'Environment: TAXPOYNT_BRIDGE_CLOUD_URL (cloud base URL), TAXPOYNT_BRIDGE_UPDATE_URL (update feed),',
    '             TAXPOYNT_BRIDGE_KEYCHAIN_SERVICE (keychain service name).',
  ].join('\n');
}

interface Globals {
  dataDir?: string;
  config?: string;
  help: boolean;
  version: boolean;
  rest: string[];
}

/** Global options come before the command; everything from the command on belongs to it. */
export function parseGlobals(argv: string[]): Globals {
  const g: Globals = { help: false, version: false, rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--data-dir') g.dataDir = value();
    else if (flag === '--config') g.config = value();
    else if (flag === '--help' || flag === '-h') g.help = true;
    else if (flag === '--version' || flag === '-v') g.version = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg} (global options go before the command; see --help)`);
    else break;
  }
  g.rest = argv.slice(i);
  return g;
}

export async function main(argv: string[], io: Pick<CommandContext, 'stdin' | 'stdout' | 'stderr' | 'env'>): Promise<number> {
  try {
    const g = parseGlobals(argv);
    if (g.version) {
      io.stdout.write(packageVersion() + '\n');
      return 0;
    }
    const [name, ...rest] = g.rest;
    if (!name || (g.help && !name)) {
      io.stdout.write((await helpText()) + '\n');
      return name || g.help ? 0 : 2;
    }
    const load = COMMANDS[name];
    if (!load) throw new UsageError(`unknown command "${name}"; run \`taxpoynt-bridge --help\` for the list`);
    const { command } = await load();
    if (g.help || rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`${command.summary}\n\nUsage:\n${command.usage}\n`);
      return 0;
    }
    const dataDir = resolveDataDir(g.dataDir, io.env);
    const ctx: CommandContext = { ...io, argv: rest, dataDir, configFile: dataPaths(dataDir, g.config).config };
    return await command.run(ctx);
  } catch (err) {
    return reportError(err, io.stderr);
  }
}

/** Known errors print their message (what to do next); anything else prints a redacted one-liner, never a stack. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream): number {
  if (err instanceof UsageError) {
    stderr.write(`taxpoynt-bridge: ${err.message}\n`);
    return 2;
  }
  if (err instanceof ConfigError || err instanceof KeychainUnavailable) {
    stderr.write(`taxpoynt-bridge: ${redactText(err.message)}\n`);
    return 3;
  }
  const e = err as { message?: string; code?: string };
  const code = typeof e.code === 'string' ? ` [${e.code}]` : '';
  stderr.write(`taxpoynt-bridge: ${redactText(e.message ?? String(err))}${code}\n`);
  if (process.env.TAXPOYNT_BRIDGE_DEBUG) stderr.write(redactText((err as Error).stack ?? '') + '\n');
  return 1;
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url).replace(/\.ts$/, '.js') === (await import('node:fs')).realpathSync(process.argv[1]).replace(/\.ts$/, '.js');
if (invokedDirectly) {
  const code = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
}
