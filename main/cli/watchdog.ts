// `watchdog`: a tiny process that outlives the engine and gives taken-over print queues back to their printers when the engine is down too long.
import { platformSpooler } from '../capture/spooler/index.js';
import { loadConfig } from '../engine/config.js';
import { watchdogStep } from '../engine/takeovers.js';
import { installWatchdogService, removeWatchdogService, watchdogServiceFor } from '../engine/watchdog-service.js';
import { Logger, logFile } from '../telemetry/log.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';

export const command: Command = {
  name: 'watchdog',
  summary: 'give taken-over print queues back to their printers while the bridge is down (run by the service manager)',
  usage: [
    '  taxpoynt-bridge watchdog [--every SECONDS] [--once]',
    '      every 15 s: when the engine (`run`, or the app) has been down longer than a queue\'s give_back_after_s (300),',
    '      that queue prints straight to its printer again and an alert is logged; the engine takes it back when it starts',
    '  taxpoynt-bridge watchdog install | uninstall',
    '      the OS service that runs it for this data dir (launchd on macOS, a systemd user unit on Linux); the first take-over',
    '      installs it and the last release removes it, so these are for support (the deb and the Windows installer bring their own)',
  ].join('\n'),
  async run(ctx) {
    const { values, positionals } = parseCommandArgs({ args: ctx.argv, options: { every: { type: 'string' }, once: { type: 'boolean' } }, allowPositionals: true });
    const [sub, extra] = positionals;
    if (extra !== undefined || (sub !== undefined && sub !== 'install' && sub !== 'uninstall')) throw new UsageError('usage: watchdog [--every SECONDS] [--once] | watchdog install | watchdog uninstall');
    if (sub) {
      const service = watchdogServiceFor(ctx.dataDir, ctx.configFile, ctx.env);
      const done = sub === 'install' ? await installWatchdogService(service) : await removeWatchdogService(service);
      (done.ok ? ctx.stdout : ctx.stderr).write(`${done.message}\n`);
      return done.ok ? 0 : 1;
    }
    const everyS = values.every === undefined ? 15 : Number(values.every);
    if (!(everyS > 0 && everyS <= 3600)) throw new UsageError('--every is a number of seconds, above 0 and at most 3600');
    const backend = platformSpooler(ctx.env);
    const startedAt = new Date();
    const notListening = new Map<string, Date>();
    const listeningSince = new Map<string, Date>();
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
        const outcome = await watchdogStep({ dataDir: ctx.dataDir, devices, backend, log, startedAt, notListening, listeningSince });
        for (const g of outcome.givenBack) ctx.stdout.write(`ALERT spooler_given_back ${g.entry.id}: ${g.message}\n`);
        for (const e of outcome.retaken) ctx.stdout.write(`the print queue ${e.queue} prints to the bridge again (device ${e.id})\n`);
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
