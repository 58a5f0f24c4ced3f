// Redaction: what must never reach a log line, an error shown to a user or a diagnostics bundle.
import { maskPans } from '../receipts/pan.js';

const SECRET_KEY = /(token|secret|password|passphrase|authorization|signature|cookie|api[_-]?key|private[_-]?key|^key$|db[_-]?key|database[_-]?key|device_code)/i;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const KEY_VALUE = /\b(access_token|refresh_token|signing_secret|device_code|client_secret|password|token)(["']?\s*[:=]\s*["']?)([^"'&\s,}]{4,})/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const HEX_KEY = /\b(?:x')?[0-9a-fA-F]{64}\b/g;

/** Exact secret values known at run time (tokens, keys): registered as soon as they are read or made. */
const knownSecrets = new Set<string>();

export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 6) knownSecrets.add(value);
}

export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(BEARER, '$1 [redacted]');
  out = out.replace(KEY_VALUE, '$1$2[redacted]');
  out = out.replace(JWT, '[redacted-token]');
  out = out.replace(HEX_KEY, '[redacted-hex]');
  return maskPans(out, (last4) => `[card ****${last4}]`);
}

/** Deep copy of a value with secrets removed: secret-named keys blanked, every string scrubbed. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[too deep]';
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message), code: (value as { code?: unknown }).code };
  }
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}
