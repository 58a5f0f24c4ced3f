// `config show|validate|set KEY VALUE`: the config file, validated before anything is saved.
import { existsSync } from 'node:fs';
import { loadConfig, setConfigValue, coerceValue, parseConfig, readConfigText, MAX_CONFIG_STRING, MAX_LISTED_PROBLEMS } from '../engine/config.js';
import { fileMemory, learnedLimitsFile, remoteOverrides } from '../cloud/index.js';
import { UsageError, writeJson, type Command, type CommandContext } from './command.js';
import type { Config } from '../engine/config.js';

/** What the last remote config (kept in `<data-dir>/cloud-limits.json` by the engine) replaces of this config. */
function overridesInForce(ctx: CommandContext, config: Config): { version: string | number | null; settings: Array<{ setting: string; local: number; remote: number }> } {
  const remote = fileMemory(learnedLimitsFile(ctx.dataDir)).load().remote;
  if (!remote) return { version: null, settings: [] };
  return { version: remote.version, settings: remoteOverrides(config, remote).map((o) => ({ setting: o.key, local: o.local, remote: o.remote })) };
}

export const command: Command = {
  name: 'config',
  summary: 'show, validate or change the config file (dotted keys, validated before saving)',
  usage: [
    '  taxpoynt-bridge config show [--json]     the effective config (file + defaults + environment), and the settings',
    '                                           the last remote config overrides (--json: "remote_overrides")',
    `  taxpoynt-bridge config validate          check the file; exit 0 when valid, 3 with its problems when not (the first ${MAX_LISTED_PROBLEMS}, then a count)`,
    `                                           strings longer than ${MAX_CONFIG_STRING} characters are refused`,
    '  taxpoynt-bridge config set KEY VALUE     e.g. `config set cloud.base_url https://api.taxpoynt.com`,',
    '                                           `config set batch.max_items 200`, `config set devices[0].baud_rate 19200`',
  ].join('\n'),
  async run(ctx) {
    const [sub, ...args] = ctx.argv;
    switch (sub) {
      case undefined:
      case 'show': {
        const { config, file, exists } = loadConfig(ctx.configFile, ctx.env);
        const overrides = overridesInForce(ctx, config);
        // remote_overrides is not a config key: the file keeps the local values, the engine uses the remote ones.
        if (args.includes('--json')) writeJson(ctx.stdout, { ...config, remote_overrides: overrides.settings.map((o) => ({ ...o, version: overrides.version })) });
        else {
          ctx.stdout.write(`# ${file}${exists ? '' : ' (not created yet: defaults shown)'}\n`);
          writeJson(ctx.stdout, config);
          if (overrides.settings.length) {
            ctx.stdout.write(`# remote config (version ${overrides.version}) overrides, in force instead of the values above:\n`);
            for (const o of overrides.settings) ctx.stdout.write(`#   ${o.setting}: local ${o.local}, remote ${o.remote} (in force)\n`);
          }
        }
        return 0;
      }
      case 'validate': {
        if (!existsSync(ctx.configFile)) {
          ctx.stdout.write(`${ctx.configFile} does not exist: the defaults apply, which are valid.\n`);
          return 0;
        }
        parseConfig(readConfigText(ctx.configFile), ctx.configFile);
        loadConfig(ctx.configFile, ctx.env);
        ctx.stdout.write(`${ctx.configFile} is valid.\n`);
        return 0;
      }
      case 'set': {
        const [key, value] = args;
        if (!key || value === undefined) throw new UsageError('usage: config set KEY VALUE');
        setConfigValue(ctx.configFile, key, coerceValue(value));
        ctx.stdout.write(`${key} set in ${ctx.configFile}.\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown config sub-command "${sub}" (show, validate, set)`);
    }
  },
};
