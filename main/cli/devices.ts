// `devices [--json] | add | remove | test | takeover | release`: what is plugged in, what is configured, and trying a device without hand-editing JSON.
import { decode, receiptText } from '../escpos/index.js';
import { loadConfig, readRawConfig, setConfigValue } from '../engine/config.js';
import { Logger } from '../telemetry/log.js';
import { createSource, DeviceConfig, listHidDevices, listSerialPorts, type CapturedJob, type DeviceState, type TerminalEvent, type VirtualPrinterConfig } from '../capture/index.js';
import { listQueues, platformSpooler, readTakeovers, release, SpoolerError, takeover, type SpoolerBackend } from '../capture/spooler/index.js';
import { installWatchdogService, removeWatchdogService, watchdogServiceFor } from '../engine/watchdog-service.js';
import { UsageError, writeJson, type Command, type CommandContext } from './command.js';

const KINDS = ['serial_tap', 'virtual_printer', 'hid', 'ecr_serial'] as const;

/** `--flag value` pairs and bare words; a flag given twice keeps the last value. */
function parseFlags(argv: string[], known: string[]): { words: string[]; flags: Record<string, string> } {
  const words: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s) as [string, string | undefined];
    if (!known.includes(name)) throw new UsageError(`unknown option --${name} (see \`taxpoynt-bridge devices --help\`)`);
    if (name === 'json' || name === 'all') {
      flags[name] = 'true';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    flags[name] = value;
  }
  return { words, flags };
}

const numberOrText = (v: string): number | string => (/^\d+$/.test(v) ? Number(v) : v);

/** `--printer` as typed: "host:port" (TCP), "serial:/dev/ttyS1[@baud]", "file:/dev/usb/lp0", a /dev path, or "none". */
export function printerTarget(value: string): unknown {
  if (value === 'none') return null;
  if (value.startsWith('file:')) return { file: value.slice(5) };
  if (value.startsWith('/dev/usb/') || value.startsWith('/dev/lp')) return { file: value };
  const serial = /^(?:serial:)?(\/dev\/[^@]+|COM\d+)(?:@(\d+))?$/.exec(value);
  if (serial) return { serial: { path: serial[1], ...(serial[2] ? { baud_rate: Number(serial[2]) } : {}) } };
  if (value.startsWith('tcp:')) return { tcp: value.slice(4) };
  return { tcp: value };
}

/** The device entry `devices add` writes: only what was given, so the file keeps its defaults named, not copied. */
export function deviceEntry(id: string, flags: Record<string, string>): Record<string, unknown> {
  const kind = flags.kind;
  if (!kind || !(KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind is one of ${KINDS.join(', ')}`);
  const entry: Record<string, unknown> = { id, kind };
  const baud = flags.baud === undefined ? undefined : flags.baud === 'auto' ? 'auto' : Number(flags.baud);
  if (kind === 'virtual_printer') {
    // Without --listen the schema's default applies: 127.0.0.1:9100, this machine only.
    const serial = flags.listen ? /^serial:(.+)$/.exec(flags.listen) : null;
    if (serial) entry.listen = { serial: { path: serial[1], ...(baud !== undefined ? { baud_rate: baud } : {}) } };
    else if (flags.listen) entry.listen = { tcp: flags.listen };
    if (flags.allow) entry.allow = flags.allow.split(',').map((a) => a.trim()).filter(Boolean);
    if (flags.printer) entry.printer = printerTarget(flags.printer);
  } else if (kind === 'hid') {
    if (!flags['vendor-id'] || !flags['product-id']) throw new UsageError('a HID device needs --vendor-id and --product-id (see `taxpoynt-bridge devices`)');
    entry.vendor_id = flags['vendor-id'];
    entry.product_id = flags['product-id'];
    entry.report = flags.report ?? 'keyboard';
    if (flags.path) entry.path = flags.path;
  } else {
    if (!flags.path) throw new UsageError(`a ${kind} device needs --path (e.g. /dev/ttyUSB0 or COM3)`);
    entry.path = flags.path;
    if (baud !== undefined) entry.baud_rate = baud;
    if (kind === 'ecr_serial' && flags.framing) entry.framing = flags.framing;
  }
  if (flags.codepage) entry.codepage = flags.codepage;
  if (flags.profile) entry.profile = flags.profile;
  if (flags['idle-ms']) entry.idle_ms = numberOrText(flags['idle-ms']);
  if (flags['terminal-id']) entry.terminal_id = flags['terminal-id'];
  return entry;
}

function printerText(p: VirtualPrinterConfig['printer']): string {
  if (p === null) return 'none';
  if ('spooler' in p) return `queue ${p.spooler}${p.direct ? ` (direct to ${'tcp' in p.direct ? p.direct.tcp : p.direct.file})` : ''}`;
  return 'tcp' in p ? p.tcp : 'file' in p ? p.file : p.serial.path;
}

async function list(ctx: CommandContext, json: boolean): Promise<number> {
  const { config } = loadConfig(ctx.configFile, ctx.env);
  const [serial, hid, queues] = await Promise.all([
    listSerialPorts().catch((err: Error) => ({ error: err.message })),
    listHidDevices().catch((err: Error) => ({ error: err.message })),
    listQueues(platformSpooler(ctx.env), ctx.dataDir).catch((err: Error) => ({ error: err.message })),
  ]);
  if (json) {
    writeJson(ctx.stdout, { serial_ports: serial, hid_devices: hid, print_queues: queues, configured: config.devices });
    return 0;
  }
  const out = ctx.stdout;
  out.write('Print queues:\n');
  if ('error' in queues) out.write(`  (cannot list: ${queues.error})\n`);
  else if (queues.length === 0) out.write('  none found\n');
  for (const q of 'error' in queues ? [] : queues) {
    const role = q.takenOverBy ? `  [bridge in front: device ${q.takenOverBy}]` : q.bridgeDirect ? '  [the bridge\'s direct queue]' : q.receiptPrinter ? '  [receipt printer]' : '';
    out.write(`  ${q.name}  ${q.driver ?? '(no driver: raw)'}  ${q.port}${role}\n`);
  }
  out.write('Serial ports:\n');
  if ('error' in serial) out.write(`  (cannot list: ${serial.error})\n`);
  else if (serial.length === 0) out.write('  none found\n');
  else for (const p of serial) out.write(`  ${p.path}${p.manufacturer ? `  ${p.manufacturer}` : ''}${p.vendorId ? `  [${p.vendorId}:${p.productId}]` : ''}\n`);
  out.write('HID devices:\n');
  if ('error' in hid) out.write(`  (cannot list: ${hid.error})\n`);
  else if (hid.length === 0) out.write('  none found\n');
  else for (const d of hid) out.write(`  ${d.vendorId}:${d.productId}  ${d.manufacturer ?? ''} ${d.product ?? ''}  ${d.path ?? ''}\n`);
  out.write(`Configured devices (${ctx.configFile}):\n`);
  if (config.devices.length === 0) out.write('  none: add one with `taxpoynt-bridge devices add ID --kind serial_tap --path /dev/ttyUSB0`\n');
  for (const d of config.devices) {
    const where =
      d.kind === 'virtual_printer'
        ? `listen ${'tcp' in d.listen ? d.listen.tcp : d.listen.serial.path} → printer ${printerText(d.printer)}`
        : d.kind === 'hid'
          ? `${d.vendor_id}:${d.product_id} (${d.report})`
          : `${d.path} @ ${d.baud_rate}`;
    out.write(`  ${d.id}  ${d.kind}  ${where}${d.enabled ? '' : '  (disabled)'}\n`);
  }
  return 0;
}

function add(ctx: CommandContext, id: string | undefined, flags: Record<string, string>): number {
  if (!id) throw new UsageError('usage: devices add ID --kind KIND [options]');
  const raw = readRawConfig(ctx.configFile);
  const devices = Array.isArray(raw.devices) ? (raw.devices as Array<Record<string, unknown>>) : [];
  if (devices.some((d) => d.id === id)) throw new UsageError(`a device "${id}" is already configured: remove it first (\`devices remove ${id}\`) or pick another id`);
  const entry = deviceEntry(id, flags);
  const checked = DeviceConfig.safeParse(entry);
  if (!checked.success) {
    throw new UsageError(`device "${id}" is not valid:\n` + checked.error.issues.map((i) => `  - ${i.path.join('.') || '(device)'}: ${i.message}`).join('\n'));
  }
  setConfigValue(ctx.configFile, 'devices', [...devices, entry]);
  ctx.stdout.write(`device ${id} (${entry.kind}) added to ${ctx.configFile}; try it with \`taxpoynt-bridge devices test ${id}\`.\n`);
  return 0;
}

async function remove(ctx: CommandContext, id: string | undefined): Promise<number> {
  if (!id) throw new UsageError('usage: devices remove ID');
  // A device in front of a print queue gives the queue back first: removing it must never leave the till printing to nothing.
  if (readTakeovers(ctx.dataDir).some((t) => t.id === id)) return releaseQueue(ctx, id);
  const raw = readRawConfig(ctx.configFile);
  const devices = Array.isArray(raw.devices) ? (raw.devices as Array<Record<string, unknown>>) : [];
  if (!devices.some((d) => d.id === id)) throw new UsageError(`no device "${id}" in ${ctx.configFile} (see \`taxpoynt-bridge devices\`)`);
  setConfigValue(ctx.configFile, 'devices', devices.filter((d) => d.id !== id));
  ctx.stdout.write(`device ${id} removed from ${ctx.configFile}.\n`);
  return 0;
}

async function test(ctx: CommandContext, id: string | undefined, flags: Record<string, string>): Promise<number> {
  if (!id) throw new UsageError('usage: devices test ID [--timeout SECONDS]');
  const { config } = loadConfig(ctx.configFile, ctx.env);
  const device = config.devices.find((d) => d.id === id);
  if (!device) throw new UsageError(`no device "${id}" in ${ctx.configFile} (see \`taxpoynt-bridge devices\`)`);
  const timeoutS = flags.timeout ? Number(flags.timeout) : 60;
  if (!(timeoutS > 0)) throw new UsageError('--timeout is a number of seconds greater than 0');
  const log = new Logger({ level: 'warn', echo: { write: (line) => ctx.stderr.write(line) } });
  let lastDetail = '';
  const got = await new Promise<CapturedJob | TerminalEvent | null>((resolve) => {
    const source = createSource({ ...device, enabled: true }, {
      job: (job) => finish(job),
      terminalEvent: (event) => finish(event),
      deviceState: (state: DeviceState) => {
        if (state.detail !== lastDetail) ctx.stderr.write(`${id}: ${state.status}: ${state.detail}\n`);
        lastDetail = state.detail;
      },
    }, { log });
    const timer = setTimeout(() => finish(null), timeoutS * 1000);
    let done = false;
    function finish(value: CapturedJob | TerminalEvent | null): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void source.stop().then(() => resolve(value));
    }
    ctx.stderr.write(`${id}: waiting up to ${timeoutS} s for the next ${device.kind === 'ecr_serial' ? 'payment message' : 'receipt'}…\n`);
    void source.start();
  });
  if (!got) {
    ctx.stderr.write(`${id}: nothing arrived in ${timeoutS} s. Print a receipt on the POS (or check the cable / port) and try again.\n`);
    return 1;
  }
  if ('amountKobo' in got) {
    const naira = `${Math.floor(got.amountKobo / 100)}.${String(got.amountKobo % 100).padStart(2, '0')}`;
    ctx.stdout.write(`payment ${got.approved ? 'approved' : 'declined'}: ${naira}${got.approvalCode ? `  approval ${got.approvalCode}` : ''}${got.cardLast4 ? `  card **** ${got.cardLast4}` : ''}  at ${got.at}\n`);
    return 0;
  }
  const codepage = 'codepage' in device ? device.codepage : undefined;
  const receipts = decode(got.bytes, { codepage });
  ctx.stdout.write(`# ${got.deviceId}: ${got.bytes.length} bytes, ended by ${got.end}, at ${got.capturedAt}\n`);
  for (const r of receipts) ctx.stdout.write(receiptText(r) + '\n');
  return 0;
}

/** This platform's spooler; on CUPS the server the command's CUPS_SERVER names, as the CUPS tools do. */
const backendFor = (env: NodeJS.ProcessEnv): SpoolerBackend => platformSpooler(env);

const asUsage = (err: unknown): never => {
  if (err instanceof SpoolerError && ['invalid_queue', 'queue_not_found', 'already_taken', 'not_taken', 'invalid_id'].includes(err.code)) throw new UsageError(err.message);
  throw err;
};

async function takeoverQueue(ctx: CommandContext, queue: string | undefined, flags: Record<string, string>): Promise<number> {
  if (!queue) throw new UsageError('usage: devices takeover QUEUE [--id ID] [--give-back-after SECONDS] [--via auto|queue]');
  const raw = readRawConfig(ctx.configFile);
  const devices = Array.isArray(raw.devices) ? (raw.devices as Array<Record<string, unknown>>) : [];
  const giveBack = flags['give-back-after'] === undefined ? undefined : Number(flags['give-back-after']);
  if (giveBack !== undefined && !(Number.isInteger(giveBack) && giveBack >= 1 && giveBack <= 86_400)) throw new UsageError('--give-back-after is a whole number of seconds, 1–86400');
  if (flags.via !== undefined && flags.via !== 'auto' && flags.via !== 'queue') throw new UsageError('--via is auto or queue');
  const backend = backendFor(ctx.env);
  if (backend.kind === 'windows') ctx.stderr.write('Windows asks once for administrator rights to change the queue (capture itself never needs them).\n');
  const { entry, device } = await takeover({
    backend,
    dataDir: ctx.dataDir,
    queue,
    id: flags.id,
    usedIds: devices.map((d) => String(d.id)),
    giveBackAfterS: giveBack,
    via: flags.via as 'auto' | 'queue' | undefined,
  }).catch(asUsage);
  try {
    const checked = DeviceConfig.parse(device);
    setConfigValue(ctx.configFile, 'devices', [...devices, device]);
    const p = checked.kind === 'virtual_printer' ? checked.printer : null;
    const path = p && 'spooler' in p && p.direct ? `straight to ${'tcp' in p.direct ? p.direct.tcp : p.direct.file}` : `through the hidden queue ${entry.direct} (RAW)`;
    ctx.stdout.write(
      `The queue ${queue} now prints to the bridge (127.0.0.1:${entry.listen.port}, device ${entry.id}); jobs pass through ${path}.\n` +
        `Its original port ${entry.original.port} is saved in ${ctx.dataDir}; \`taxpoynt-bridge devices release ${entry.id}\` gives it back.\n` +
        'Jobs wait in the queue until the bridge runs: restart `taxpoynt-bridge run` (or the app) now.\n',
    );
  } catch (err) {
    await release(backend, ctx.dataDir, entry.id).catch(() => undefined);
    throw err;
  }
  // The queue is taken over: a watchdog must give it back if the bridge stays down (installed once, kept for later take-overs).
  const watchdog = await installWatchdogService(watchdogServiceFor(ctx.dataDir, ctx.configFile, ctx.env));
  (watchdog.ok ? ctx.stdout : ctx.stderr).write(`${watchdog.message}\n`);
  return 0;
}

/** Every taken-over queue given back (`devices release --all`, unpair, the uninstallers); returns how many. */
export async function releaseAll(ctx: CommandContext): Promise<number> {
  const ids = readTakeovers(ctx.dataDir).map((t) => t.id);
  for (const id of ids) await releaseQueue(ctx, id);
  return ids.length;
}

async function releaseQueue(ctx: CommandContext, id: string | undefined, all = false): Promise<number> {
  if (all) {
    if ((await releaseAll(ctx)) === 0) ctx.stdout.write('No print queue is taken over.\n');
    return 0;
  }
  if (!id) throw new UsageError('usage: devices release ID | --all');
  const backend = backendFor(ctx.env);
  if (backend.kind === 'windows') ctx.stderr.write('Windows asks once for administrator rights to give the queue back.\n');
  const entry = await release(backend, ctx.dataDir, id).catch(asUsage);
  const raw = readRawConfig(ctx.configFile);
  const devices = Array.isArray(raw.devices) ? (raw.devices as Array<Record<string, unknown>>) : [];
  if (devices.some((d) => d.id === id)) setConfigValue(ctx.configFile, 'devices', devices.filter((d) => d.id !== id));
  ctx.stdout.write(`The queue ${entry.queue} prints to ${entry.original.port} again, as before; its direct queue is removed and device ${id} is out of the config.\n`);
  // The last queue given back: the watchdog service this data dir installed has nothing left to watch.
  if (readTakeovers(ctx.dataDir).length === 0) {
    const watchdog = await removeWatchdogService(watchdogServiceFor(ctx.dataDir, ctx.configFile, ctx.env));
    (watchdog.ok ? ctx.stdout : ctx.stderr).write(`${watchdog.message}\n`);
  }
  return 0;
}

export const command: Command = {
  name: 'devices',
  summary: 'list serial ports, HID devices and print queues; add, remove or test a capture device; take over or release a print queue',
  usage: [
    '  taxpoynt-bridge devices [--json]              serial ports and HID devices plugged in, and the configured devices',
    '  taxpoynt-bridge devices add ID --kind KIND [options]',
    '      --kind serial_tap --path /dev/ttyUSB0 [--baud 9600|auto]',
    '      --kind virtual_printer [--listen 127.0.0.1:9100 | serial:/dev/ttyS0] [--printer host:port | serial:/dev/ttyS1[@baud] | file:/dev/usb/lp0 | none]',
    '          tills on other machines: --listen 192.168.1.10:9100 --allow 192.168.1.20,192.168.1.21 (addresses or CIDR ranges; required beyond 127.0.0.1)',
    '      --kind hid --vendor-id 04b8 --product-id 0202 [--report keyboard|length_prefixed|raw] [--path P]',
    '      --kind ecr_serial --path /dev/ttyS2 [--baud 9600] [--framing stx_etx_lrc|lines]',
    '      any kind: [--codepage CP858] [--profile NAME@V] [--idle-ms 2000] [--terminal-id LANE1]',
    '  taxpoynt-bridge devices remove ID',
    '  taxpoynt-bridge devices test ID [--timeout 60]  open the device and print the next receipt (or payment) it captures',
    '  taxpoynt-bridge devices takeover QUEUE [--id ID] [--give-back-after 300] [--via auto|queue]',
    '      put the bridge in front of an OS print queue (CUPS, Windows spooler): the POS keeps printing to QUEUE, the bridge passes every job on RAW',
    '  taxpoynt-bridge devices release ID | --all    give a taken-over queue (or every one) back to its printer, exactly as it was',
  ].join('\n'),
  async run(ctx) {
    const known = ['json', 'kind', 'path', 'baud', 'listen', 'allow', 'printer', 'vendor-id', 'product-id', 'report', 'framing', 'codepage', 'profile', 'idle-ms', 'terminal-id', 'timeout', 'id', 'give-back-after', 'via', 'all'];
    const { words, flags } = parseFlags(ctx.argv, known);
    const [sub, id] = words;
    switch (sub) {
      case undefined:
      case 'list':
        return list(ctx, flags.json === 'true');
      case 'add':
        return add(ctx, id, flags);
      case 'remove':
        return remove(ctx, id);
      case 'test':
        return test(ctx, id, flags);
      case 'takeover':
        return takeoverQueue(ctx, id, flags);
      case 'release':
        return releaseQueue(ctx, id, flags.all === 'true');
      default:
        throw new UsageError(`unknown devices sub-command "${sub}" (list, add, remove, test, takeover, release)`);
    }
  },
};
