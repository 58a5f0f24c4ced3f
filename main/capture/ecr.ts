// Payment terminal (ECR) link: STX…ETX+LRC framing with ACK/NAK and retransmits, line framing, and message → TerminalEvent with the card masked.
import { findPans } from '../receipts/pan.js';
import type { TerminalEvent } from './types.js';

export const STX = 0x02;
export const ETX = 0x03;
export const EOT = 0x04;
export const ENQ = 0x05;
export const ACK = 0x06;
export const NAK = 0x15;

/** Longest frame or line kept (bounded memory: a terminal that never sends ETX cannot grow it). */
const MAX_MESSAGE = 4096;

/** XOR of every byte after STX up to and including ETX. */
export function lrc(bytes: Uint8Array): number {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

/** A frame as the terminal sends it, for tests and the sandbox. */
export function frame(payload: string | Uint8Array): Uint8Array {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const body = Uint8Array.from([...data, ETX]);
  return Uint8Array.from([STX, ...body, lrc(body)]);
}

export interface FramerOutput {
  /** Complete messages, retransmits removed. */
  messages: Uint8Array[];
  /** Bytes to send back to the terminal (ACK / NAK). */
  reply: number[];
}

/**
 * STX data ETX LRC framing. A good frame is ACKed and delivered; a bad LRC is NAKed so the terminal
 * retransmits; a frame identical to the one just ACKed within `dupWindowMs` is a retransmit after a
 * lost ACK: ACKed again, not delivered twice.
 */
export class StxEtxFramer {
  private state: 'idle' | 'data' | 'lrc' = 'idle';
  private buf: number[] = [];
  private last: { text: string; at: number } | null = null;

  constructor(private readonly dupWindowMs = 5000) {}

  push(chunk: Uint8Array, nowMs: number): FramerOutput {
    const out: FramerOutput = { messages: [], reply: [] };
    for (const b of chunk) {
      if (this.state === 'idle') {
        if (b === STX) {
          this.state = 'data';
          this.buf = [];
        } else if (b === ENQ) out.reply.push(ACK);
      } else if (this.state === 'data') {
        if (b === STX) this.buf = [];
        else if (b === ETX) this.state = 'lrc';
        else if (this.buf.length >= MAX_MESSAGE) {
          this.state = 'idle';
          out.reply.push(NAK);
        } else this.buf.push(b);
      } else {
        const body = Uint8Array.from([...this.buf, ETX]);
        this.state = 'idle';
        if (lrc(body) !== b) {
          out.reply.push(NAK);
          continue;
        }
        out.reply.push(ACK);
        const data = Uint8Array.from(this.buf);
        const text = Buffer.from(data).toString('latin1');
        if (this.last && this.last.text === text && nowMs - this.last.at <= this.dupWindowMs) continue;
        this.last = { text, at: nowMs };
        out.messages.push(data);
      }
    }
    return out;
  }
}

/** Line framing (CR, LF or CRLF ends a message); empty lines are skipped. */
export class LineFramer {
  private buf: number[] = [];

  push(chunk: Uint8Array, _nowMs: number): FramerOutput {
    const out: FramerOutput = { messages: [], reply: [] };
    for (const b of chunk) {
      if (b === 0x0a || b === 0x0d) {
        if (this.buf.length > 0) out.messages.push(Uint8Array.from(this.buf));
        this.buf = [];
      } else if (this.buf.length < MAX_MESSAGE) this.buf.push(b);
    }
    return out;
  }
}

const AMOUNT_KEYS = ['amount', 'amt', 'total', 'txn_amount', 'trans_amount', 'amount_authorised', 'amount_authorized'];
const STATUS_KEYS = ['status', 'result', 'resp', 'response', 'response_code', 'resp_code', 'rc'];
const APPROVAL_KEYS = ['auth', 'authcode', 'auth_code', 'approval', 'approval_code', 'appr', 'apprcode'];
const CARD_KEYS = ['pan', 'card', 'cardno', 'card_no', 'card_number', 'masked_pan', 'maskedpan'];
const APPROVED = new Set(['approved', 'approve', 'ok', '00', '000', 'y', 'yes', 'a', 'success', 'successful', 'accepted']);

/**
 * Reads a terminal message of `KEY=value` (or `KEY:value`) fields separated by `|`, `;`, `,`, tab
 * or FS (0x1C), e.g. `AMOUNT=1500.00|STATUS=APPROVED|AUTH=123456|PAN=5399831234567890`. Returns
 * null when the message carries no amount (a prompt, a heartbeat). Any card number becomes its last
 * four digits here: the message text itself never leaves this function.
 */
export function parseTerminalMessage(
  message: Uint8Array,
  context: { deviceId: string; at: string; amountUnit: 'naira' | 'kobo' },
): TerminalEvent | null {
  const text = Buffer.from(message).toString('latin1');
  const fields = new Map<string, string>();
  // A comma separates fields only when a key follows it, so "1,500.00" stays one amount.
  for (const part of text.split(/[|;\t\x1c]|,(?=\s*[A-Za-z_][A-Za-z0-9_ ]*\s*[=:])/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*[=:]\s*(.*?)\s*$/.exec(part);
    if (m) fields.set(m[1]!.toLowerCase().replace(/ /g, '_'), m[2]!);
  }
  const pick = (keys: string[]): string | undefined => keys.map((k) => fields.get(k)).find((v) => v !== undefined && v !== '');
  const amountText = pick(AMOUNT_KEYS);
  if (amountText === undefined) return null;
  const amountKobo = toKobo(amountText, context.amountUnit);
  if (amountKobo === null) return null;
  const status = pick(STATUS_KEYS);
  const event: TerminalEvent = {
    deviceId: context.deviceId,
    amountKobo,
    approved: status !== undefined && APPROVED.has(status.toLowerCase()),
    at: context.at,
  };
  const approval = pick(APPROVAL_KEYS);
  if (approval && /^[A-Za-z0-9]{1,12}$/.test(approval)) event.approvalCode = approval;
  const last4 = cardLast4(pick(CARD_KEYS) ?? '', text);
  if (last4) event.cardLast4 = last4;
  return event;
}

/** "1,500.00" / "1500.5" naira, or "150000" kobo → integer kobo; null if it is not a money amount. */
export function toKobo(text: string, unit: 'naira' | 'kobo'): number | null {
  const clean = text.replace(/[₦\s,]|NGN/gi, '');
  if (unit === 'kobo') return /^\d{1,15}$/.test(clean) ? Number(clean) : null;
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(clean);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

/** Last four digits of the card: from a full number anywhere in the message, or from an already masked field. */
function cardLast4(field: string, whole: string): string | undefined {
  const pans = findPans(field);
  if (pans.length > 0) return pans[0]!.last4;
  // A card field of digits that fails Luhn is still a card number: keep only its last four.
  const digits = field.replace(/[\s-]/g, '');
  if (/^\d{8,19}$/.test(digits)) return digits.slice(-4);
  const masked = /[*Xx#]{2,}[\s-]?(\d{4})\s*$/.exec(field) ?? /^\d{4}$/.exec(field);
  if (masked) return masked[1] ?? masked[0];
  const anywhere = findPans(whole);
  return anywhere[0]?.last4;
}
