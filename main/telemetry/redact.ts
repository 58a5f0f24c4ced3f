// Redaction: what must never reach a log line, an error shown to a user or a diagnostics bundle.
import { luhnValid, maskPans, type PanMatch } from '../receipts/pan.js';

/** Field names whose values are secrets whatever they hold (camelCase, snake_case, kebab-case, any case). */
const SECRET_WORDS = 'token|secret|password|passwd|passphrase|pwd|authorization|credential|signature|cookie|session[_-]?id|api[_-]?key|private[_-]?key|access[_-]?key|db[_-]?key|database[_-]?key|device[_-]?code|client[_-]?secret|pin[_-]?block';
const SECRET_KEY = new RegExp(`(${SECRET_WORDS}|^key$|^auth$|^pass$|^otp$)`, 'i');
/** `Authorization: Bearer x`, `authorization=basic x`, `AUTHORIZATION: x`: the scheme stays, the credential goes. */
const AUTH_HEADER = /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:(bearer|basic|digest|token|negotiate|hmac[\w-]*)\s+)?([^"'\s,;}]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+(?!\[redacted)[A-Za-z0-9._~+/=-]{8,}/gi;
/** `"refresh_token": "x"`, `client_secret=x`, `X-TaxPoynt-Signature: v1=x` in free text (a request body, a header dump, an error). */
const KEY_VALUE = new RegExp(`\\b([\\w-]*(?:${SECRET_WORDS})[\\w-]*)(["']?\\s*[:=]\\s*["']?)(?!\\[redacted|(?:bearer|basic|digest|negotiate)\\s)([^"'&\\s,;}]{4,})`, 'gi');
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const HEX_KEY = /\b(?:x')?[0-9a-fA-F]{64}\b/g;
/** Tokens by their prefix (`at_…`, `rt_…`, `sk_…`, `whsec_…`): what an OAuth server or a payment API hands out. */
const PREFIXED_TOKEN = /\b(?:at|rt|sk|pk|ak|tok|whsec|refresh|access)_[A-Za-z0-9_-]{16,}/g;
/** A long run mixing upper case, lower case and digits (base64url secrets); ids here are lower-case hex, receipt numbers upper case. */
const OPAQUE_CANDIDATE = /(?<![\w-])(?=[\w-]*[a-z])(?=[\w-]*[A-Z])(?=[\w-]*\d)[\w-]{32,}(?![\w-])/g;

/** Random, not words: few separators (a device path's "usb-FTDI_FT232R_USB_UART-if00-port0" has many) and high Shannon entropy per character. */
function looksRandom(run: string): boolean {
  const separators = run.replace(/[^_-]/g, '').length;
  if (separators * 8 > run.length) return false;
  const counts = new Map<string, number>();
  for (const c of run) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / run.length) * Math.log2(n / run.length);
  return bits >= 3.9;
}
/** Card numbers grouped by dots, several spaces or dashes ("4111.1111.1111.1111", "4111 - 1111 - …"): maskPans takes single spaces and dashes. */
const GROUPED_CARD = /(?<![\d.])\d{4}(?:[ .-]{1,3}\d{3,7}){2,4}(?![\d]|\.\d)/g;

/** Exact secret values known at run time (tokens, keys): registered as soon as they are read or made. */
const knownSecrets = new Set<string>();

export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 6) knownSecrets.add(value);
}

function groupedCards(text: string): PanMatch[] {
  const found: PanMatch[] = [];
  for (const m of text.matchAll(GROUPED_CARD)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) found.push({ start: m.index, end: m.index + m[0].length, last4: digits.slice(-4) });
  }
  return found;
}

const cardMask = (last4: string) => `[card ****${last4}]`;

export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(AUTH_HEADER, (_m, name: string, sep: string, scheme: string | undefined) => `${name}${sep}${scheme ? `${scheme} ` : ''}[redacted]`);
  out = out.replace(BEARER, '$1 [redacted]');
  out = out.replace(KEY_VALUE, '$1$2[redacted]');
  out = out.replace(JWT, '[redacted-token]');
  out = out.replace(HEX_KEY, '[redacted-hex]');
  out = out.replace(PREFIXED_TOKEN, '[redacted-token]');
  out = out.replace(OPAQUE_CANDIDATE, (run) => (looksRandom(run) ? '[redacted-token]' : run));
  out = maskPans(out, cardMask, groupedCards(out));
  return maskPans(out, cardMask);
}

/** An Error as a log field: name, code, message, the top of its stack and its cause, every string redacted. */
function redactError(err: Error, depth: number): Record<string, unknown> {
  const stack = typeof err.stack === 'string' ? err.stack.split('\n').slice(1, 9).map((l) => l.trim()).join('\n') : undefined;
  return {
    name: err.name,
    message: redactText(err.message),
    code: (err as { code?: unknown }).code,
    ...(stack ? { stack: redactText(stack) } : {}),
    ...(err.cause !== undefined ? { cause: redact(err.cause, depth + 1) } : {}),
  };
}

/** Deep copy of a value with secrets removed: secret-named keys blanked, every string scrubbed. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[too deep]';
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redactError(value, depth);
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}
