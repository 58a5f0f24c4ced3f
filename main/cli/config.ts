// `config show|validate|set KEY VALUE`: the config file, validated before anything is saved.
import { existsSync } from 'node:fs';
import { loadConfig, setConfigValue, coerceValue, parseConfig, readConfigText, MAX_CONFIG_STRING, MAX_LISTED_PROBLEMS } from '../engine/config.js';
import { UsageError, writeJson, type Command } from './command.js';

export const command: Command = {
  name: 'config',
  summary: 'show, validate or change the config file (dotted keys, validated before saving)',
  usage: [
    '  taxpoynt-bridge config show [--json]     the effective config (file + defaults + environment)',
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
        if (args.includes('--json')) writeJson(ctx.stdout, config);
        else {
          ctx.stdout.write(`# ${file}${exists ? '' : ' (not created yet: defaults shown)'}\n`);
          writeJson(ctx.stdout, config);
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
