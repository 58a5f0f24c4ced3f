// `watchdog`: a tiny process that outlives the engine and gives taken-over print queues back to their printers when the engine is down too long.
import { platformSpooler } from '../capture/spooler/index.js';
import { loadConfig } from '../engine/config.js';
import { watchdogStep } from '../engine/takeovers.js';
import { Logger, logFile } from '../telemetry/log.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';

export const command: Command = {
  name: 'watchdog',
  summary: 'give taken-over print queues back to their printers while the bridge is down (run by the service manager)',
  usage: [
    '  taxpoynt-bridge watchdog [--every SECONDS] [--once]',
    '      every 15 s: when the engine (`run`, or the app) has been down longer than a queue\'s give_back_after_s (300),',
    '      that queue prints straight to its printer again and an alert is logged; the engine takes it back when it starts',
  ].join('\n'),
  async run(ctx) {
    const { values } = parseCommandArgs({ args: ctx.argv, options: { every: { type: 'string' }, once: { type: 'boolean' } }, allowPositionals: false });
    const everyS = values.every === undefined ? 15 : Number(values.every);
    if (!(everyS > 0 && everyS <= 3600)) throw new UsageError('--every is a number of seconds, above 0 and at most 3600');
    const backend = platformSpooler(ctx.env);
    const startedAt = new Date();
    const notListening = new Map<string, Date>();
    let stopping = false;
    let wake: (() => void) | null = null;
    const stop = () => {
      stopping = true;
      wake?.();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      do {
        // The config is read each time: a device's give_back_after_s may change while the watchdog runs.
        const devices = (() => {
          try {
            return loadConfig(ctx.configFile, ctx.env).config.devices;
          } catch {
            return [];
          }
        })();
        const log = new Logger({ file: logFile(ctx.dataDir), level: 'info' }).child({ component: 'watchdog' });
        const outcome = await watchdogStep({ dataDir: ctx.dataDir, devices, backend, log, startedAt, notListening });
        for (const g of outcome.givenBack) ctx.stdout.write(`ALERT spooler_given_back ${g.entry.id}: ${g.message}\n`);
        if (values.once) return 0;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, everyS * 1000);
        });
      } while (!stopping);
      return 0;
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  },
};
