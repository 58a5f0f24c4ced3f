// The logger: JSON lines, rotation by size, and no secret or card number ever reaching the file, at any level.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger, LOG_LEVELS } from '../../main/telemetry/log.js';
import { registerSecret } from '../../main/telemetry/redact.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PAN = '4111 1111 1111 1111';
const PAN_PLAIN = '5500005555555559';
const ACCESS = 'eyJhbGciOiJIUzI1NiJ9.secretpayload.sig';
const REFRESH = 'rt_live_7f3a9c2e1b4d';
const DBKEY = 'a'.repeat(32) + 'b'.repeat(32);
const SIGNING = 'whsec_zz9_signing';

function allLogText(): string {
  return readdirSync(join(dir))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

describe('logger', () => {
  it('writes one JSON object per line with level, message and fields', () => {
    const log = new Logger({ file: join(dir, 'bridge.log'), level: 'debug' });
    log.child({ component: 'capture', device: 'lane-1' }).info('receipt captured', { bytes: 812 });
    const line = JSON.parse(readFileSync(join(dir, 'bridge.log'), 'utf8').trim());
    expect(line).toMatchObject({ level: 'info', msg: 'receipt captured', component: 'capture', device: 'lane-1', bytes: 812 });
    expect(Date.parse(line.ts)).not.toBeNaN();
  });

  it('drops lines below the level', () => {
    const log = new Logger({ file: join(dir, 'bridge.log'), level: 'warn' });
    log.info('quiet');
    log.warn('loud');
    expect(readFileSync(join(dir, 'bridge.log'), 'utf8')).not.toContain('quiet');
    expect(readFileSync(join(dir, 'bridge.log'), 'utf8')).toContain('loud');
  });

  it('no token, key, signing secret or card number reaches the file at any level', () => {
    registerSecret(SIGNING);
    const log = new Logger({ file: join(dir, 'bridge.log'), level: 'debug' });
    for (const level of LOG_LEVELS) {
      log.log(level, `paid with card ${PAN} and ${PAN_PLAIN}`, {
        access_token: ACCESS,
        headers: { Authorization: `Bearer ${ACCESS}` },
        body: `grant_type=refresh_token&refresh_token=${REFRESH}`,
        key: DBKEY,
        note: `pragma key = "x'${DBKEY}'"`,
        nested: { deeper: [{ signing_secret: SIGNING }, `secret in text ${SIGNING}`] },
        error: new Error(`token ${ACCESS} refused for card ${PAN_PLAIN}`),
      });
    }
    const text = allLogText();
    for (const secret of [ACCESS, REFRESH, DBKEY, SIGNING, PAN, PAN_PLAIN, '4111111111111111']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('1111');
    expect(text.split('\n').filter(Boolean)).toHaveLength(LOG_LEVELS.length);
  });

  it('keeps numbers that are not card numbers (amounts, receipt numbers, a TIN)', () => {
    const log = new Logger({ file: join(dir, 'bridge.log') });
    log.info('receipt 000123456789 total 12500.00 tin 12345678-0001');
    expect(allLogText()).toContain('000123456789');
    expect(allLogText()).toContain('12345678-0001');
  });

  it('rotates by size and keeps a bounded number of files', () => {
    const log = new Logger({ file: join(dir, 'bridge.log'), maxBytes: 2000, keep: 3 });
    for (let i = 0; i < 200; i++) log.info(`line ${i} ${'x'.repeat(50)}`);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['bridge.log', 'bridge.log.1', 'bridge.log.2', 'bridge.log.3']);
    expect(readFileSync(join(dir, 'bridge.log'), 'utf8')).toContain('line 199');
  });
});
