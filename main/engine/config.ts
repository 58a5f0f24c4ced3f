// The bridge's one config file: a zod schema, defaults, load (refused whole if invalid), dotted-key set, env overrides.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { DeviceConfig } from '../capture/config.js';
import { LOG_LEVELS } from '../telemetry/log.js';

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
        problems.map((p) => `  - ${p.path || '(top level)'}: ${p.message}`).join('\n') +
        '\nFix the file (or run `taxpoynt-bridge config validate`) and start again.',
    );
    this.name = 'ConfigError';
  }
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
    throw new ConfigError(file, [{ path: '', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(file, zodProblems(result.error));
  return result.data;
}

/** The file as written by the user (without defaults filled in), or {} when it does not exist. */
export function readRawConfig(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
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
  const config = exists ? parseConfig(readFileSync(file, 'utf8'), file) : defaultConfig();
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
