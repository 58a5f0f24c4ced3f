// A small in-memory ForwardQueue for the cloud tests (the real outbox in main/store/ implements the same interface on SQLCipher).
import { createHash } from 'node:crypto';
import type { Transaction } from '../../main/receipts/transaction.js';
import { OUTBOX_STATES, type ForwardQueue, type OutboxState, type Problem } from '../../main/store/types.js';

export interface MemoryRow {
  id: string;
  json: string;
  state: OutboxState;
  attempts: number;
  lastError: string | null;
  irn: string | null;
  problems: Problem[];
  createdAt: number;
}

export class MemoryQueue implements ForwardQueue {
  readonly rows = new Map<string, MemoryRow>();
  claims = 0;

  add(tx: Transaction): void {
    if (this.rows.has(tx.id)) return;
    this.rows.set(tx.id, { id: tx.id, json: JSON.stringify(tx), state: 'pending', attempts: 0, lastError: null, irn: null, problems: [], createdAt: Date.now() });
  }

  /** The same transaction captured again after it was settled (the cloud should say "duplicate"). */
  readd(tx: Transaction): void {
    this.rows.delete(tx.id);
    this.add(tx);
  }

  claim(maxItems: number, maxBytes: number): Array<{ id: string; json: string }> {
    this.claims++;
    const out: Array<{ id: string; json: string }> = [];
    let bytes = 0;
    for (const row of this.rows.values()) {
      if (row.state !== 'pending') continue;
      if (out.length >= maxItems) break;
      if (out.length > 0 && bytes + row.json.length > maxBytes) break;
      bytes += row.json.length;
      row.state = 'in_flight';
      out.push({ id: row.id, json: row.json });
    }
    return out;
  }

  release(ids: string[], error: string): void {
    for (const id of ids) {
      const row = this.rows.get(id);
      if (!row || row.state !== 'in_flight') continue;
      row.state = 'pending';
      row.attempts++;
      row.lastError = error;
    }
  }

  settle(results: Array<{ id: string; status: 'accepted' | 'duplicate' | 'rejected'; irn?: string; errors?: Problem[] }>): void {
    for (const r of results) {
      const row = this.rows.get(r.id);
      if (!row) continue;
      row.state = r.status;
      row.irn = r.irn ?? null;
      row.problems = r.errors ?? [];
    }
  }

  counts(): Record<OutboxState, number> {
    const out = Object.fromEntries(OUTBOX_STATES.map((s) => [s, 0])) as Record<OutboxState, number>;
    for (const row of this.rows.values()) out[row.state]++;
    return out;
  }

  oldestPendingAgeS(): number | null {
    let oldest: number | null = null;
    for (const row of this.rows.values()) if (row.state === 'pending' && (oldest === null || row.createdAt < oldest)) oldest = row.createdAt;
    return oldest === null ? null : (Date.now() - oldest) / 1000;
  }

  inState(state: OutboxState): MemoryRow[] {
    return [...this.rows.values()].filter((r) => r.state === state);
  }
}

/** A valid contract Transaction (§3), numbered. */
export function makeTransaction(n: number, overrides: Partial<Transaction> = {}): Transaction {
  const receipt = String(n).padStart(6, '0');
  const raw = `receipt ${receipt}`;
  return {
    id: 'tx_' + createHash('sha256').update(`dev-1/${receipt}/${overrides.receipt_number ?? ''}`).digest('hex').slice(0, 40),
    source: { device_id: 'dev-1', integration: 'escpos_tcp', profile: 'generic@1', captured_at: '2026-11-24T13:45:00+01:00' },
    receipt_number: receipt,
    terminal_id: 'till-1',
    issued_at: '2026-11-24T13:45:00+01:00',
    document_type: 'sale',
    currency: 'NGN',
    lines: [{ description: 'Jollof rice', quantity: '2', unit_price: '1250.00', amount: '2500.00', tax_category: 'standard', tax_rate: '7.5' }],
    totals: { subtotal: '2500.00', tax: '187.50', total: '2687.50' },
    taxes: [{ type: 'VAT', category: 'standard', rate: '7.5', taxable_amount: '2500.00', amount: '187.50' }],
    payments: [{ method: 'cash', amount: '2687.50' }],
    raw: { sha256: createHash('sha256').update(raw).digest('hex'), bytes: raw.length },
    ...overrides,
  };
}

/** A Vault in memory for tests that are not about the keychain (the keychain tests use the real one). */
export class MemoryVault {
  readonly service = 'memory';
  readonly entries = new Map<string, string>();
  async get(name: string): Promise<string | null> {
    return this.entries.get(name) ?? null;
  }
  async set(name: string, value: string): Promise<void> {
    this.entries.set(name, value);
  }
  async delete(name: string): Promise<boolean> {
    return this.entries.delete(name);
  }
  async probe(): Promise<void> {}
}
