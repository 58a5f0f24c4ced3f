// Redaction without registration: authorization headers in any case, tokens in errors and stacks, secret-named fields, grouped card numbers.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger } from '../../main/telemetry/log.js';
import { redact, redactText } from '../../main/telemetry/redact.js';
import { diagnosticsBundle } from '../../main/telemetry/diagnostics.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-redact-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// None of these is ever passed to registerSecret: redaction must find them by shape or by name.
const ACCESS = 'at_' + randomBytes(24).toString('hex');
const REFRESH = 'rt_' + randomBytes(24).toString('hex');
const SIGNING = randomBytes(32).toString('base64url');
const OPAQUE = 'Zm9vYmFyYmF6cXV4' + 'Q29ycnVwdGlvbjEyMzQ1Ng';

function logged(write: (log: Logger) => void): string {
  const file = join(dir, 'bridge.log');
  write(new Logger({ file, level: 'debug' }));
  return readFileSync(file, 'utf8');
}

describe('redaction finds what was never registered', () => {
  it('an authorization header in any case, with any scheme, loses its credential', () => {
    for (const line of [
      `authorization: bearer ${OPAQUE}`,
      `AUTHORIZATION: BEARER ${OPAQUE}`,
      `Authorization: Bearer ${OPAQUE}`,
      `authorization=Basic ${OPAQUE}`,
      `"authorization":"${OPAQUE}"`,
      `Proxy-Authorization: Negotiate ${OPAQUE}`,
      `headers: { authorization: 'bearer ${OPAQUE}' }`,
      `curl -H 'authorization: bearer abc.def-ghi_jkl'`,
    ]) {
      const out = redactText(line);
      expect(out, line).not.toContain(OPAQUE);
      expect(out, line).not.toContain('abc.def-ghi_jkl');
      expect(out, line).toContain('[redacted]');
    }
  });

  it('tokens inside an Error message, its stack and its cause never reach the log', () => {
    const cause = new Error(`refresh with ${REFRESH} answered invalid_grant`);
    const err = new Error(`POST /v1/batches failed: Authorization: bearer ${ACCESS}; secret ${SIGNING}`, { cause });
    const text = logged((log) => log.error('forwarding failed', { error: err, stack: err.stack }));
    for (const secret of [ACCESS, REFRESH, SIGNING]) expect(text).not.toContain(secret);
    const line = JSON.parse(text);
    expect(line.error.message).toMatch(/POST \/v1\/batches failed/);
    expect(line.error.stack).toMatch(/redact\.test/);
    expect(line.error.cause.message).toMatch(/answered invalid_grant/);
  });

  it('values under any secret-looking field name are blanked, in objects and in text', () => {
    const values = { apiKey: 'k1-plain-value', clientSecret: 'plain-value-2', 'X-TaxPoynt-Signature': 'v1=abcdef0123', session_id: 'sess-plain-3', privateKey: 'pem-plain-4', otp: '992211', sigToken: 'plain-5' };
    const out = JSON.stringify(redact({ nested: [{ ...values }] }));
    for (const v of Object.values(values)) expect(out).not.toContain(v);
    const text = redactText(`body {"client_secret":"plain-value-2","refresh_token":"x-plain-77"} header X-TaxPoynt-Signature: v1=abcdef0123 apiKey=k1-plain-value`);
    for (const v of ['plain-value-2', 'x-plain-77', 'abcdef0123', 'k1-plain-value']) expect(text).not.toContain(v);
  });

  it('card numbers written with spaces, dashes, dots or several separators keep only their last four digits', () => {
    for (const written of ['4111 1111 1111 1111', '4111-1111-1111-1111', '4111.1111.1111.1111', '4111  1111  1111  1111', '4111 - 1111 - 1111 - 1111', '3782 822463 10005', '5500.0055.5555.5559']) {
      const out = redactText(`paid with ${written} today`);
      expect(out, written).not.toMatch(/\d{4}[ .-]*\d{4}[ .-]*\d{4}/);
      expect(out, written).toContain(`[card ****${written.replace(/\D/g, '').slice(-4)}]`);
    }
    const diagnostics = JSON.stringify(diagnosticsBundle({ dataDir: dir, version: '0', doctor: { note: 'card 4111.1111.1111.1111' }, config: {}, status: { error: new Error('card 4111 - 1111 - 1111 - 1111') } }));
    expect(diagnostics).not.toMatch(/4111[ .-]*1111[ .-]*1111/);
  });

  it('keeps what is not secret: amounts, dotted dates and versions, ids, device paths, receipt numbers', () => {
    const keep = [
      'total 1,234.50 vat 86.11 on 12.04.2026 version 1.12.3',
      'tx_' + 'ab12'.repeat(10),
      '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
      '/dev/serial/by-id/usb-Prolific_Technology_Inc._USB-Serial_Controller-if00-port0',
      'receipt INV-004512 IRN-INV-004512-9F3A21BC tin 12345678-0001',
      'The keychain is locked: unlock your session',
      'Amounts 1234.5678.90 and 2026.04.12.1530',
    ];
    for (const text of keep) expect(redactText(text)).toBe(text);
  });
});
