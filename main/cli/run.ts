// `run`: the engine in the foreground (a service manager keeps it running); a line per receipt as it moves; SIGINT/SIGTERM stop it cleanly.
import { parseCommandArgs, type Command } from './command.js';
import { Bridge, type PairedEvent, type ReceiptEvent } from '../engine/bridge.js';
import { packageVersion } from '../engine/version.js';

export function receiptLine(e: ReceiptEvent): string {
  const time = e.at.slice(11, 19);
  const extra =
    e.state === 'accepted' || e.state === 'duplicate'
      ? e.irn
        ? ` IRN ${e.irn}`
        : ''
      : e.problems?.length
        ? ` — ${e.problems[0]!.message}`
        : '';
  return `${time}  ${e.deviceId.padEnd(12)} ${e.id.slice(0, 15)}  ${e.duplicate ? 'duplicate of a stored job' : e.state}${extra}`;
}

export const command: Command = {
  name: 'run',
  summary: 'run the bridge: capture from the configured devices, store, forward (Ctrl-C stops it cleanly)',
  usage: '  taxpoynt-bridge run [--quiet] [--verbose]\n    --quiet    no line per receipt\n    --verbose  also print the log lines (JSON) on stderr',
  async run(ctx) {
    const { values } = parseCommandArgs({ args: ctx.argv, options: { quiet: { type: 'boolean' }, verbose: { type: 'boolean' } }, strict: true });
    const bridge = await Bridge.start({
      dataDir: ctx.dataDir,
      configFile: ctx.configFile,
      env: ctx.env,
      version: packageVersion(),
      echo: values.verbose ? { write: (line) => ctx.stderr.write(line) } : undefined,
    });
    const devices = bridge.config.devices.filter((d) => d.enabled).map((d) => d.id);
    ctx.stdout.write(
      `TaxPoynt POS Bridge ${packageVersion()} running (pid ${process.pid}); data dir ${ctx.dataDir}; ` +
        `devices: ${devices.length ? devices.join(', ') : 'none configured (taxpoynt-bridge devices add)'}; cloud ${bridge.config.cloud.base_url}\n`,
    );
    // Start has read the pairing and raised its alerts (key missing, database moved aside, pairing lost) before anyone listened: say them now.
    const started = bridge.status();
    if (started.cloud.state === 'not_paired') ctx.stdout.write('Not paired with a TaxPoynt account yet: receipts are kept until you run `taxpoynt-bridge pair`.\n');
    for (const a of [...started.alerts, ...started.cloud.alerts]) if (a.code !== 'not_paired') ctx.stderr.write(`alert: ${a.message}\n`);
    if (!values.quiet) bridge.on('receipt', (e: ReceiptEvent) => ctx.stdout.write(receiptLine(e) + '\n'));
    bridge.on('alert', (a: { message: string }) => ctx.stderr.write(`alert: ${a.message}\n`));
    bridge.on('paired', (p: PairedEvent) =>
      ctx.stdout.write(`${p.wasLost ? 'Paired again' : 'Paired'} with ${p.business}${p.pending ? `: sending the ${p.pending} receipt(s) kept meanwhile` : ''}.\n`),
    );

    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        ctx.stdout.write(`${signal}: stopping (storing what devices still hold)…\n`);
        resolve();
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
    await bridge.stop();
    ctx.stdout.write('stopped.\n');
    return 0;
  },
};
