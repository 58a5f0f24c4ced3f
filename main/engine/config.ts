// The bridge's one config file: a zod schema, defaults, load (refused whole if invalid), dotted-key set, env overrides.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { DeviceConfig } from '../capture/config.js';
import { jsonSyntaxProblem } from '../receipts/index.js';
import { LOG_LEVELS } from '../telemetry/log.js';

/** The longest string any setting may hold (URLs, paths, ids): longer is a mistake or an attack, never a setting. */
export const MAX_CONFIG_STRING = 2048;
/** The largest config file read: a config with hundreds of devices is a few hundred kilobytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Problems listed in a refusal; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Plain http:// is refused unless the host is loopback (cloud-api.md). */
export const BaseUrl = z
  .string()
  .url('expected a URL such as "https://api.taxpoynt.com"')
  .refine((value) => {
    const url = new URL(value);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && loopbackHosts.has(url.hostname);
  }, 'must be https:// (plain http:// is allowed only for 127.0.0.1 or localhost)');

export const ConfigSchema = z
  .object({
    cloud: z
      .object({
        base_url: BaseUrl.default('https://api.taxpoynt.com'),
        timeout_ms: z.number().int().min(1000).max(120_000).default(30_000),
        connect_timeout_ms: z.number().int().min(100).max(120_000).default(5000),
        tls_timeout_ms: z.number().int().min(100).max(120_000).default(5000),
        first_byte_timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
      })
      .strict()
      .default({ base_url: 'https://api.taxpoynt.com', timeout_ms: 30_000, connect_timeout_ms: 5000, tls_timeout_ms: 5000, first_byte_timeout_ms: 10_000 }),
    batch: z
      .object({
        max_items: z.number().int().min(1).max(500).default(100),
        max_bytes: z.number().int().min(1024).max(5 * 1024 * 1024).default(1024 * 1024),
        max_wait_ms: z.number().int().min(0).max(600_000).default(2000),
      })
      .strict()
      .default({ max_items: 100, max_bytes: 1024 * 1024, max_wait_ms: 2000 }),
    rate: z
      .object({ max_rps: z.number().positive().max(1000).default(10) })
      .strict()
      .default({ max_rps: 10 }),
    retention_days: z.number().int().min(1).max(3650).default(90),
    /** Receipts printed as pictures: OCR workers reading at once (each about 100 MB while it runs). */
    ocr: z
      .object({ workers: z.number().int().min(1).max(8).default(1) })
      .strict()
      .default({ workers: 1 }),
    log_level: z.enum(LOG_LEVELS).default('info'),
    updates: z
      .object({
        base_url: z.string().url().optional(),
        channel: z.enum(['stable', 'beta', 'pilot']).default('stable'),
        pin_version: z.string().optional(),
        install_window: z
          .string()
          .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'expected "HH:MM-HH:MM"')
          .default('02:00-05:00'),
      })
      .strict()
      .default({ channel: 'stable', install_window: '02:00-05:00' }),
    devices: z.array(DeviceConfig).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.devices.forEach((device, index) => {
      if (seen.has(device.id)) {
        ctx.addIssue({ code: 'custom', path: ['devices', index, 'id'], message: `device id "${device.id}" is used twice` });
      }
      seen.add(device.id);
    });
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly file: string,
    readonly problems: Array<{ path: string; message: string }>,
  ) {
    super(
      `The config file ${file} is not valid, so nothing in it was applied:\n` +
        listProblems(problems).map((line) => `  - ${line}`).join('\n') +
        '\nFix the file (or run `taxpoynt-bridge config validate`) and start again.',
    );
    this.name = 'ConfigError';
  }
}

/** At most MAX_LISTED_PROBLEMS lines, then how many more: a file full of mistakes gets a readable answer. */
export function listProblems(problems: ReadonlyArray<{ path: string; message: string }>): string[] {
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `${p.path || '(top level)'}: ${p.message}`);
  const more = problems.length - MAX_LISTED_PROBLEMS;
  if (more > 0) lines.push(`… and ${more} more problem${more === 1 ? '' : 's'} (fix these first)`);
  return lines;
}

/** Strings over MAX_CONFIG_STRING, wherever they sit (a key counts too), by their path. */
function overlongStrings(value: unknown, path: string, out: Array<{ path: string; message: string }>, depth = 0): void {
  const tooLong = (s: string) => `is ${s.length} characters long; at most ${MAX_CONFIG_STRING} are allowed`;
  if (typeof value === 'string') {
    if (value.length > MAX_CONFIG_STRING) out.push({ path, message: tooLong(value) });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => overlongStrings(v, `${path}[${i}]`, out, depth + 1));
  } else if (value !== null && typeof value === 'object' && depth < 32) {
    for (const [k, v] of Object.entries(value)) {
      if (k.length > MAX_CONFIG_STRING) out.push({ path: path || '(top level)', message: `a key ${tooLong(k)}` });
      else overlongStrings(v, path ? `${path}.${k}` : k, out, depth + 1);
    }
  }
}

/** The file's text, refused unread when it is larger than any config could be. */
export function readConfigText(file: string): string {
  const size = statSync(file).size;
  if (size > MAX_CONFIG_BYTES) throw new ConfigError(file, [{ path: '', message: `the file is ${size} bytes; a config file is at most ${MAX_CONFIG_BYTES / 1024} KiB` }]);
  return readFileSync(file, 'utf8');
}

function zodProblems(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '['),
    message: issue.message,
  }));
}

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}

/** Validates raw JSON text; throws ConfigError naming the file, the field and what is wrong. */
export function parseConfig(text: string, file: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: jsonSyntaxProblem(text, err) }]);
  }
  const overlong: Array<{ path: string; message: string }> = [];
  overlongStrings(raw, '', overlong);
  const result = ConfigSchema.safeParse(raw);
  const problems = [...overlong, ...(result.success ? [] : zodProblems(result.error).filter((p) => !overlong.some((o) => o.path === p.path)))];
  if (problems.length > 0 || !result.success) throw new ConfigError(file, problems);
  return result.data;
}

/** The file as written by the user (without defaults filled in), or {} when it does not exist. */
export function readRawConfig(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const text = readConfigText(file);
  parseConfig(text, file);
  return JSON.parse(text) as Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  file: string;
  exists: boolean;
}

/** Loads the file (defaults when absent), then applies env overrides. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const exists = existsSync(file);
  const config = exists ? parseConfig(readConfigText(file), file) : defaultConfig();
  return { config: applyEnv(config, env, file), file, exists };
}

export function applyEnv(config: Config, env: NodeJS.ProcessEnv, file = '(environment)'): Config {
  const out = structuredClone(config);
  if (env.TAXPOYNT_BRIDGE_CLOUD_URL) {
    const parsed = BaseUrl.safeParse(env.TAXPOYNT_BRIDGE_CLOUD_URL);
    if (!parsed.success) {
      throw new ConfigError(file, [{ path: 'TAXPOYNT_BRIDGE_CLOUD_URL (environment)', message: parsed.error.issues[0]!.message }]);
    }
    out.cloud.base_url = parsed.data;
  }
  if (env.TAXPOYNT_BRIDGE_UPDATE_URL) out.updates.base_url = env.TAXPOYNT_BRIDGE_UPDATE_URL;
  return out;
}

/** Turns a command-line value into JSON when it reads as JSON (numbers, booleans, objects), else a string. */
export function coerceValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Sets a dotted key ("cloud.base_url", "devices[0].baud_rate") in the file, validating the whole before saving. */
export function setConfigValue(file: string, key: string, value: unknown): Config {
  const raw = readRawConfig(file);
  const path = key
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  if (path.length === 0) throw new ConfigError(file, [{ path: key, message: 'empty key' }]);
  let node: Record<string, unknown> = raw;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next === undefined) node[part] = /^\d+$/.test(part) ? [] : {};
    else if (typeof next !== 'object' || next === null) {
      throw new ConfigError(file, [{ path: key, message: `"${part}" is a value, not a section` }]);
    }
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  const config = parseConfig(JSON.stringify(raw), `${file} (after setting ${key})`);
  writeConfigFile(file, raw);
  return config;
}

/** Atomic write: a crash mid-save never leaves half a config. */
export function writeConfigFile(file: string, raw: unknown): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(raw, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
