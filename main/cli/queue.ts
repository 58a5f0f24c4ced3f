// `queue`: lists outbox rows, shows one with its history, retries a rejected one, parses one in review again.
import { readStored, reprocess } from '../engine/pipeline.js';
import { OcrPool } from '../ocr/index.js';
import { OUTBOX_STATES, OutboxRowNotFound, type OutboxRow, type OutboxState } from '../store/index.js';
import { parseCommandArgs, UsageError, writeJson, type Command } from './command.js';
import { openCliStore } from './ingest.js';

function summary(row: OutboxRow): string {
  if (row.state === 'reading') return 'printed as a picture: its text is being read (OCR)';
  if (row.lastError) return row.lastError;
  if (row.irn) return `IRN ${row.irn}`;
  return row.problems[0]?.message ?? '';
}

function table(rows: OutboxRow[]): string {
  if (rows.length === 0) return 'No transactions.\n';
  const head = ['ID', 'STATE', 'DEVICE', 'TRIES', 'UPDATED', 'NOTE'];
  const body = rows.map((r) => [r.id, r.state, r.deviceId, String(r.attempts), r.updatedAt.replace('T', ' ').slice(0, 19), summary(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (i === 5 ? 0 : b[i]!.length))));
  return [head, ...body].map((cols) => cols.map((c, i) => (i === 5 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export const command: Command = {
  name: 'queue',
  summary: 'the outbox: list transactions by state, show one, retry a rejected one, parse one in review again',
  usage: [
    '  taxpoynt-bridge queue [--state STATE] [--limit N] [--json]     newest first; oldest first within a state',
    '  taxpoynt-bridge queue show ID [--json]                          one transaction with its state history',
    '  taxpoynt-bridge queue retry ID                                  send a rejected transaction again',
    '  taxpoynt-bridge queue reprocess ID [--profile NAME|FILE]        parse a review/unparsed job again from the journal',
    `  States: ${OUTBOX_STATES.join(', ')}`,
  ].join('\n'),
  async run(ctx) {
    const { values, positionals } = parseCommandArgs({
      args: ctx.argv,
      allowPositionals: true,
      strict: true,
      options: {
        state: { type: 'string' },
        limit: { type: 'string' },
        profile: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const [action, id, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (action && !['show', 'retry', 'reprocess'].includes(action)) {
      throw new UsageError(`unknown queue action "${action}": use show, retry or reprocess (see \`taxpoynt-bridge queue --help\`)`);
    }
    if (action && !id) throw new UsageError(`queue ${action} needs a transaction id (from \`taxpoynt-bridge queue\`)`);
    const state = values.state as OutboxState | undefined;
    if (state && !OUTBOX_STATES.includes(state)) throw new UsageError(`--state must be one of ${OUTBOX_STATES.join(', ')}`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('--limit must be a whole number from 1 to 100000');
    if (values.profile && action !== 'reprocess') throw new UsageError('--profile goes with `queue reprocess ID`');

    const { store, close } = await openCliStore(ctx, 'queue');
    try {
      if (!action) {
        const rows = store.list({ state, limit });
        if (values.json) writeJson(ctx.stdout, { counts: store.counts(), transactions: rows });
        else ctx.stdout.write(table(rows));
        return 0;
      }
      if (action === 'show') {
        const row = store.get(id!);
        if (!row) throw new OutboxRowNotFound(id!);
        const history = store.history(id!);
        if (values.json) writeJson(ctx.stdout, { ...row, history });
        else {
          ctx.stdout.write(table([row]));
          for (const p of row.problems) ctx.stdout.write(`  problem ${p.code} (${p.field}): ${p.message}\n`);
          for (const h of history) ctx.stdout.write(`  ${h.at}  ${h.from ?? '-'} → ${h.to}${h.note ? `  ${h.note}` : ''}\n`);
        }
        return 0;
      }
      if (action === 'retry') {
        const row = store.retry(id!);
        ctx.stdout.write(`${row.id} ${row.state}\n`);
        return 0;
      }
      const out = reprocess(store, id!, values.profile);
      if (out.state === 'reading') {
        // Printed as pictures: read them now (the command waits for the text).
        const pool = new OcrPool({ idleMs: 0 });
        try {
          Object.assign(out, (await readStored(store, id!, pool, values.profile)) ?? {});
        } finally {
          await pool.close();
        }
      }
      if (values.json) writeJson(ctx.stdout, out);
      else {
        ctx.stdout.write(`${out.id} ${out.state}\n`);
        for (const p of out.problems) ctx.stdout.write(`  problem ${p.code} (${p.field}): ${p.message}\n`);
      }
      return 0;
    } finally {
      close();
    }
  },
};
