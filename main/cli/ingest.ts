// `ingest <file|-> --device ID`: stores a captured job as if that device sent it; exits 0 only once it is durable.
import { loadConfig } from '../engine/config.js';
import { acquireDataDirLock, DataDirBusy, type DataDirLock } from '../engine/lock.js';
import { ingestJob, readStored, resumeJournal } from '../engine/pipeline.js';
import { OcrPool } from '../ocr/index.js';
import { Integration } from '../receipts/transaction.js';
import { openStore, type Store } from '../store/index.js';
import { Logger, logFile } from '../telemetry/log.js';
import { KeychainVault, serviceName } from '../vault/index.js';
import { parseCommandArgs, UsageError, writeJson, type Command, type CommandContext } from './command.js';
import { readInput } from './input.js';

/** Exit code when the disk is full and the job could only be held in memory (EX_TEMPFAIL). */
export const EXIT_NOT_DURABLE = 75;

export interface CliStore {
  store: Store;
  close(): void;
}

/**
 * Opens the store for a short-lived command. When a running engine owns the data dir, the command
 * still reads and writes (SQLite serialises the writers) but leaves in-flight rows to that engine.
 */
export async function openCliStore(ctx: CommandContext, command: string): Promise<CliStore> {
  const { config } = loadConfig(ctx.configFile, ctx.env);
  let lock: DataDirLock | null = null;
  try {
    lock = acquireDataDirLock(ctx.dataDir, `taxpoynt-bridge ${command}`);
  } catch (err) {
    if (!(err instanceof DataDirBusy)) throw err;
  }
  try {
    const log = new Logger({ file: logFile(ctx.dataDir), level: config.log_level }, { command });
    const store = await openStore({ dataDir: ctx.dataDir, vault: new KeychainVault(serviceName(ctx.env)), log, recoverInFlight: lock !== null });
    if (lock) {
      resumeJournal(store);
      store.purge(config.retention_days);
    }
    return {
      store,
      close() {
        store.close();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

export const command: Command = {
  name: 'ingest',
  summary: 'store a captured print job as if a device sent it; prints each receipt\'s transaction id and state',
  usage: [
    '  taxpoynt-bridge ingest <file|-> --device ID [--integration escpos_serial|escpos_tcp|ecr_serial|hid]',
    '                         [--codepage CP] [--profile NAME|FILE] [--terminal ID] [--json]',
    '  One line per receipt in the job: its transaction id and state (a job of several receipts keeps every one).',
    '  Exits 0 once the job is committed to the encrypted journal; 75 when the disk is full (not stored).',
  ].join('\n'),
  async run(ctx) {
    const { values, positionals } = parseCommandArgs({
      args: ctx.argv,
      allowPositionals: true,
      strict: true,
      options: {
        device: { type: 'string' },
        integration: { type: 'string' },
        codepage: { type: 'string' },
        profile: { type: 'string' },
        terminal: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (!values.device) throw new UsageError('--device ID is required: the device the job is stored as coming from');
    if (positionals.length !== 1) throw new UsageError('expected one file to ingest, or "-" for standard input');
    const integration = Integration.safeParse(values.integration ?? 'escpos_serial');
    if (!integration.success) throw new UsageError(`--integration must be one of ${Integration.options.join(', ')}`);
    const bytes = await readInput(ctx, positionals[0]);
    if (bytes.length === 0) throw new UsageError('the job is empty: nothing to store');

    const { config } = loadConfig(ctx.configFile, ctx.env);
    const device = config.devices.find((d) => d.id === values.device);
    const fromConfig = device && 'profile' in device ? { codepage: device.codepage, profile: device.profile } : {};
    const terminalId = values.terminal ?? (device && 'terminal_id' in device ? device.terminal_id : undefined);

    const { store, close } = await openCliStore(ctx, 'ingest');
    try {
      const out = ingestJob(store, {
        deviceId: values.device,
        integration: integration.data,
        bytes,
        capturedAt: new Date().toISOString(),
        codepage: values.codepage ?? fromConfig.codepage,
        profile: values.profile ?? fromConfig.profile,
        terminalId,
      });
      if (out.buffered) {
        ctx.stderr.write(
          `taxpoynt-bridge: the disk is full, so ${out.job} could not be stored; free disk space and ingest it again.\n`,
        );
        return EXIT_NOT_DURABLE;
      }
      // Receipts printed as pictures: the command waits for their text (OCR) and prints the state it led to.
      const reading = out.receipts.filter((r) => r.state === 'reading');
      if (reading.length) {
        const pool = new OcrPool({ idleMs: 0 });
        try {
          for (const r of reading) r.state = (await readStored(store, r.id, pool))?.state ?? store.get(r.id)?.state ?? r.state;
        } finally {
          await pool.close();
        }
      }
      // One line (or JSON object) per receipt in the job, in print order.
      if (values.json) writeJson(ctx.stdout, { job: out.job, receipts: out.receipts });
      else for (const r of out.receipts) ctx.stdout.write(`${r.id} ${r.state}${r.duplicate ? ' (already stored)' : ''}\n`);
      return 0;
    } finally {
      close();
    }
  },
};
