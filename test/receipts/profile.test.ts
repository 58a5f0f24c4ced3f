// Receipt profiles: built-ins load and validate, files extend them, a bad profile names its rule, and each shipped profile reads what generic@1 misreads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listProfiles, loadProfile, parseReceipt, ProfileError, ProfileSchema } from '../../main/receipts/index.js';
import { contextFor, receiptOf } from './decoded.js';

const dir = mkdtempSync(join(tmpdir(), 'taxpoynt-profiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function profileFile(name: string, body: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

function loadError(fn: () => unknown): ProfileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProfileError) return err;
    throw err;
  }
  throw new Error('expected a ProfileError');
}

describe('profiles', () => {
  it('ships generic@1 and at least two others, each valid', () => {
    const names = listProfiles();
    expect(names).toContain('generic@1');
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const n of names) {
      const p = loadProfile(n);
      expect(`${p.name}@${p.version}`).toBe(n);
      expect(ProfileSchema.safeParse(p).success).toBe(true);
    }
  });

  it('loads a profile file that extends a built-in, merging objects and replacing arrays', () => {
    const file = profileFile('shop.json', { name: 'my-shop', version: 3, extends: 'generic@1', extract: { buyer: true }, tax: { missing_vat: 'not_charged' } });
    const p = loadProfile(file);
    expect(p.name).toBe('my-shop');
    expect(p.extract.buyer).toBe(true);
    expect(p.tax.missing_vat).toBe('not_charged');
    expect(p.tax.vat_rate).toBe('7.5');
    expect(p.labels.total.length).toBeGreaterThan(1);
  });

  it('names the rule and the reason when a regex does not compile', () => {
    const e = loadError(() => loadProfile(profileFile('bad-re.json', { name: 'x', version: 1, extends: 'generic@1', labels: { total: ['^total', '(unclosed'] } })));
    expect(e.code).toBe('profile_invalid');
    expect(e.rule).toBe('labels.total[1]');
    expect(e.message).toMatch(/labels\.total\[1\]: not a valid regular expression/);
  });

  it('refuses a header rule without a (?<value>…) group', () => {
    const e = loadError(() => loadProfile(profileFile('no-group.json', { name: 'x', version: 1, extends: 'generic@1', header: { receipt_number: ['receipt (\\d+)'] } })));
    expect(e.rule).toBe('header.receipt_number[0]');
    expect(e.reason).toMatch(/value/);
  });

  it('refuses a pattern that matches every line', () => {
    expect(loadError(() => loadProfile(profileFile('empty.json', { name: 'x', version: 1, extends: 'generic@1', items: { void: ['.*'] } }))).rule).toBe('items.void[0]');
  });

  it('refuses wrong types, unknown keys, bad JSON, unknown names and missing bases', () => {
    expect(loadError(() => loadProfile(profileFile('t.json', { name: 'x', version: 1, extends: 'generic@1', numbers: { decimal: ':' } }))).rule).toBe('numbers.decimal');
    expect(loadError(() => loadProfile(profileFile('k.json', { name: 'x', version: 1, extends: 'generic@1', colour: 'red' }))).reason).toMatch(/colour/);
    expect(loadError(() => loadProfile(profileFile('j.json', '{ "name": '))).reason).toMatch(/not valid JSON/);
    expect(loadError(() => loadProfile('nosuch@9')).reason).toMatch(/known: .*generic@1/);
    expect(loadError(() => loadProfile(profileFile('b.json', { name: 'x', version: 1, extends: 'gone@1' }))).rule).toBe('extends');
    expect(loadError(() => loadProfile(profileFile('c.json', { name: 'x', version: 1, extends: 'generic@1', numbers: { thousands: ['.'], decimal: '.' } }))).rule).toBe('numbers.thousands');
  });

  it('loads built-ins from another profiles directory', () => {
    const custom = mkdtempSync(join(dir, 'builtin-'));
    writeFileSync(join(custom, 'generic@1.json'), JSON.stringify(loadProfile('generic@1')));
    writeFileSync(join(custom, 'tiny@2.json'), JSON.stringify({ name: 'tiny', version: 2, extends: 'generic@1', currency: 'GHS' }));
    expect(listProfiles({ profilesDir: custom })).toEqual(['generic@1', 'tiny@2']);
    expect(loadProfile('tiny@2', { profilesDir: custom }).currency).toBe('GHS');
  });
});

function parseWith(text: string, profile: string) {
  const r = receiptOf(text);
  return parseReceipt(r, contextFor(r, profile));
}

describe('shipped profiles read what the generic one misreads', () => {
  it('decimal-comma@1 reads 1.234,50 amounts', () => {
    const text = `
Receipt No: 4410
Date: 24/11/2026 10:00
1 Vin Rouge 75cl      12.500,00
2 Fromage               1.800,00
SUBTOTAL              14.300,00
VAT 7.5%               1.072,50
TOTAL                 15.372,50
CARD                  15.372,50`;
    expect(parseWith(text, 'generic@1').status).not.toBe('ok');
    const r = parseWith(text, 'decimal-comma@1');
    expect(r.status).toBe('ok');
    expect(r.transaction!.totals.total).toBe('15372.50');
    expect(r.transaction!.source.profile).toBe('decimal-comma@1');
  });

  it('us-dates@1 reads 11/04/2026 as 4 November and gratuity as service charge', () => {
    const text = `
Chk 2231
11/04/2026 8:30 PM
1 Steak               20,000.00
SUBTOTAL              20,000.00
Gratuity 10%           2,000.00
VAT 7.5%               1,650.00
AMOUNT DUE            23,650.00
VISA                  23,650.00`;
    expect(parseWith(text, 'generic@1').transaction?.issued_at).toBe('2026-04-11T20:30:00+01:00');
    const r = parseWith(text, 'us-dates@1');
    expect(r.status).toBe('ok');
    expect(r.transaction!.issued_at).toBe('2026-11-04T20:30:00+01:00');
    expect(r.transaction!.totals.service_charge).toBe('2000.00');
  });

  it('fixed-columns@1 reads whole-naira prices cut at fixed columns', () => {
    const text = `
Receipt No: 7781
Date: 24/11/2026 10:00
BREAD SLICED          2     900     1800
SEMOVITA 10KG BAG     1   12500    12500
SUBTOTAL                           14300
VAT 7.5%                          1072.50
TOTAL                           15372.50
CASH                            15372.50`;
    expect(parseWith(text, 'generic@1').status).not.toBe('ok');
    const r = parseWith(text, 'fixed-columns@1');
    expect(r.problems).toEqual([]);
    expect(r.transaction!.lines.map((l) => [l.description, l.quantity, l.unit_price, l.amount])).toEqual([
      ['BREAD SLICED', '2', '900.00', '1800.00'],
      ['SEMOVITA 10KG BAG', '1', '12500.00', '12500.00'],
    ]);
  });
});
