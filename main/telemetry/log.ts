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

export class Logger {
  private level: LogLevel;
  private readonly file?: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly echo?: LogSink;
  private readonly clock: () => Date;
  private size = 0;

  constructor(options: LoggerOptions = {}, private readonly fields: Record<string, unknown> = {}) {
    this.level = options.level ?? 'info';
    this.file = options.file;
    this.maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.keep = options.keep ?? 5;
    this.echo = options.echo;
    this.clock = options.clock ?? (() => new Date());
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      this.size = existsSync(this.file) ? statSync(this.file).size : 0;
    }
  }

  /** A logger that adds fields (component, device) to every line and shares this one's file. */
  child(fields: Record<string, unknown>): Logger {
    const child = Object.create(this) as Logger;
    (child as unknown as { fields: Record<string, unknown> }).fields = { ...this.fields, ...fields };
    return child;
  }

  setLevel(level: LogLevel): void {
    // Children made by Object.create read the level through the prototype chain of the root.
    let root: Logger = this;
    while (Object.getPrototypeOf(root) instanceof Logger) root = Object.getPrototypeOf(root) as Logger;
    root.level = level;
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
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(this.level)) return;
    const entry = { ts: this.clock().toISOString(), level, msg: redactText(msg), ...(redact({ ...this.fields, ...data }) as object) };
    const line = JSON.stringify(entry) + '\n';
    this.echo?.write(line);
    if (this.file) this.append(line);
  }

  private append(line: string): void {
    const root = this.root();
    if (root.size + line.length > root.maxBytes) root.rotate();
    try {
      appendFileSync(root.file!, line, { mode: 0o600 });
      root.size += Buffer.byteLength(line);
    } catch {
      // A full disk must not take the bridge down with it; the line is lost, the receipt is not.
    }
  }

  private root(): Logger {
    let root: Logger = this;
    while (Object.getPrototypeOf(root) instanceof Logger) root = Object.getPrototypeOf(root) as Logger;
    return root;
  }

  private rotate(): void {
    const file = this.file!;
    try {
      const oldest = `${file}.${this.keep}`;
      if (existsSync(oldest)) unlinkSync(oldest);
      for (let i = this.keep - 1; i >= 1; i--) {
        if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      }
      if (existsSync(file)) renameSync(file, `${file}.1`);
    } catch {
      // Rotation failing is not a reason to stop logging into the current file.
    }
    this.size = 0;
  }
}

export function logFile(dataDir: string): string {
  return join(dataDir, 'logs', 'bridge.log');
}

/** A logger that writes nowhere (pure code under test). */
export const silentLogger = new Logger({ level: 'error' });
