// Joins payment-terminal messages to the receipts they paid for, whichever arrives first (pay then print, or print then pay).
import { joinTerminalEvent, type TerminalEvent } from '../capture/index.js';

export interface PaidReceipt {
  id: string;
  deviceId: string;
  totalKobo: number | null;
  capturedAt: string;
}

export interface PaymentJoin {
  receiptId: string;
  receiptDevice: string;
  terminalDevice: string;
  amountKobo: number;
  cardLast4?: string;
  approvalCode?: string;
  paidAt: string;
}

/** "1234.50" → 123450; null for anything else (a receipt whose total could not be read never joins). */
export function kobo(total: string | undefined | null): number | null {
  if (!total || !/^\d+\.\d{2}$/.test(total)) return null;
  const [naira, k] = total.split('.') as [string, string];
  return Number(naira) * 100 + Number(k);
}

export class PaymentMatcher {
  private receipts: PaidReceipt[] = [];
  private events: TerminalEvent[] = [];
  private readonly joined = new Set<string>();

  constructor(private readonly windowMs = 10 * 60_000) {}

  /** A receipt was stored; returns the payment waiting for it, if one was. */
  receipt(r: PaidReceipt, now = Date.now()): PaymentJoin | null {
    this.forget(now);
    if (this.joined.has(r.id)) return null;
    this.receipts.push(r);
    for (const event of this.events) {
      if (joinTerminalEvent([r], event, { windowMs: this.windowMs }) === r && joinTerminalEvent(this.open(), event, { windowMs: this.windowMs }) === r) {
        this.events = this.events.filter((e) => e !== event);
        return this.join(r, event);
      }
    }
    return null;
  }

  /** A payment-terminal message arrived; returns its receipt when it is already stored, else keeps it waiting. */
  payment(event: TerminalEvent, now = Date.now()): PaymentJoin | null {
    this.forget(now);
    if (!event.approved) return null;
    const match = joinTerminalEvent(this.open(), event, { windowMs: this.windowMs });
    if (match) return this.join(match, event);
    this.events.push(event);
    return null;
  }

  private open(): PaidReceipt[] {
    return this.receipts.filter((r) => !this.joined.has(r.id));
  }

  private join(r: PaidReceipt, event: TerminalEvent): PaymentJoin {
    this.joined.add(r.id);
    return {
      receiptId: r.id,
      receiptDevice: r.deviceId,
      terminalDevice: event.deviceId,
      amountKobo: event.amountKobo,
      cardLast4: event.cardLast4,
      approvalCode: event.approvalCode,
      paidAt: event.at,
    };
  }

  /** Bounded memory: nothing older than the join window is kept. */
  private forget(now: number): void {
    const cutoff = now - this.windowMs;
    this.receipts = this.receipts.filter((r) => Date.parse(r.capturedAt) >= cutoff).slice(-500);
    this.events = this.events.filter((e) => Date.parse(e.at) >= cutoff).slice(-500);
    if (this.joined.size > 2000) this.joined.clear();
  }
}
