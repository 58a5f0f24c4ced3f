// The diagnostics bundle a support engineer asks for: doctor, config, status and recent logs, redacted, never a receipt or a secret.
import { existsSync, readFileSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import { redact, redactText } from './redact.js';
import { logFile } from './log.js';

export interface DiagnosticsInput {
  dataDir: string;
  version: string;
  doctor: unknown;
  config: unknown;
  status: unknown;
  logLines?: number;
}

/** The last N lines of the log (already redacted when written; redacted again in case a rule was added since). */
export function recentLogLines(dataDir: string, count: number): string[] {
  const file = logFile(dataDir);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return lines.slice(-count).map(redactText);
}

export function diagnosticsBundle(input: DiagnosticsInput): Record<string, unknown> {
  return {
    generated_at: new Date().toISOString(),
    version: input.version,
    os: { platform: platform(), release: release(), arch: arch(), node: process.versions.node },
    doctor: redact(input.doctor),
    config: redact(input.config),
    status: redact(input.status),
    log: recentLogLines(input.dataDir, input.logLines ?? 500),
  };
}
