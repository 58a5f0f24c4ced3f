// Structured JSON-lines logger: redacted before writing, rotated by size, in the data dir.
import { appendFileSync, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { redact, redactText } from './redact.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogSink {
  write(line: string): void;
}

export interface LoggerOptions {
  /** Log file; rotated to `.1` … `.N` when it passes maxBytes. */
  file?: string;
  level?: LogLevel;
  maxBytes?: number;
  keep?: number;
  /** Extra sink (the CLI's stderr in `run`, tests). Receives the redacted line. */
  echo?: LogSink;
  clock?: () => Date;
}

/** What a logger and all its children share: one file, one level, one rotation. */
interface LogCore {
  level: LogLevel;
  file?: string;
  maxBytes: number;
  keep: number;
  echo?: LogSink;
  clock: () => Date;
  size: number;
}

export class Logger {
  private readonly core: LogCore;

  constructor(
    options: LoggerOptions | LogCore = {},
    private readonly fields: Record<string, unknown> = {},
  ) {
    if ('size' in options) {
      this.core = options;
      return;
    }
    this.core = {
      level: options.level ?? 'info',
      file: options.file,
      maxBytes: options.maxBytes ?? 5 * 1024 * 1024,
      keep: options.keep ?? 5,
      echo: options.echo,
      clock: options.clock ?? (() => new Date()),
      size: 0,
    };
    if (this.core.file) {
      mkdirSync(dirname(this.core.file), { recursive: true, mode: 0o700 });
      this.core.size = existsSync(this.core.file) ? statSync(this.core.file).size : 0;
    }
  }

  /** A logger that adds fields (component, device) to every line and shares this one's file and level. */
  child(fields: Record<string, unknown>): Logger {
    return new Logger(this.core, { ...this.fields, ...fields });
  }

  setLevel(level: LogLevel): void {
    this.core.level = level;
  }

  get level(): LogLevel {
    return this.core.level;
  }

  debug(msg: string, data?: Record<string, unknown>): void {
    this.log('debug', msg, data);
  }
  info(msg: string, data?: Record<string, unknown>): void {
    this.log('info', msg, data);
  }
  warn(msg: string, data?: Record<string, unknown>): void {
    this.log('warn', msg, data);
  }
  error(msg: string, data?: Record<string, unknown>): void {
    this.log('error', msg, data);
  }

  log(level: LogLevel, msg: string, data?: Record<string, unknown>): void {
    const core = this.core;
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(core.level)) return;
    const entry = { ts: core.clock().toISOString(), level, msg: redactText(msg), ...(redact({ ...this.fields, ...data }) as object) };
    const line = JSON.stringify(entry) + '\n';
    core.echo?.write(line);
    if (core.file) this.append(core, line);
  }

  private append(core: LogCore, line: string): void {
    const bytes = Buffer.byteLength(line);
    if (core.size + bytes > core.maxBytes) rotate(core);
    try {
      appendFileSync(core.file!, line, { mode: 0o600 });
      core.size += bytes;
    } catch {
      // A full disk must not take the bridge down with it; the line is lost, the receipt is not.
    }
  }
}

function rotate(core: LogCore): void {
  const file = core.file!;
  try {
    const oldest = `${file}.${core.keep}`;
    if (existsSync(oldest)) unlinkSync(oldest);
    for (let i = core.keep - 1; i >= 1; i--) {
      if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    }
    if (existsSync(file)) renameSync(file, `${file}.1`);
  } catch {
    // Rotation failing is not a reason to stop logging into the current file.
  }
  core.size = 0;
}

export function logFile(dataDir: string): string {
  return join(dataDir, 'logs', 'bridge.log');
}

/** A logger that writes nowhere (pure code under test). */
export const silentLogger = new Logger({ level: 'error' });
