// `diagnostics [--out FILE]`: writes the redacted support bundle (doctor, config, status, recent logs) to a JSON file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandArgs, type Command } from './command.js';
import { runDoctor } from '../engine/doctor.js';
import { loadConfig } from '../engine/config.js';
import { packageVersion } from '../engine/version.js';
import { diagnosticsBundle } from '../telemetry/diagnostics.js';
import { readEngineSnapshot } from './status.js';

export const command: Command = {
  name: 'diagnostics',
  summary: 'write a redacted support bundle (doctor, config, status, recent logs) to a file',
  usage: '  taxpoynt-bridge diagnostics [--out FILE]   (default ./taxpoynt-diagnostics-<time>.json)',
  async run(ctx) {
    const { values } = parseCommandArgs({ args: ctx.argv, options: { out: { type: 'string' } }, strict: true });
    const doctor = await runDoctor({ dataDir: ctx.dataDir, configFile: ctx.configFile, env: ctx.env, timeoutMs: 3000 });
    let config: unknown;
    try {
      config = loadConfig(ctx.configFile, ctx.env).config;
    } catch (err) {
      config = { error: (err as Error).message };
    }
    const bundle = diagnosticsBundle({ dataDir: ctx.dataDir, version: packageVersion(), doctor, config, status: readEngineSnapshot(ctx.dataDir) });
    const out = values.out ?? join(process.cwd(), `taxpoynt-diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(out, JSON.stringify(bundle, null, 2) + '\n', { mode: 0o600 });
    ctx.stdout.write(`Diagnostics written to ${out} (secrets and card numbers removed). Send this file to TaxPoynt support.\n`);
    return 0;
  },
};
