// Decoder behaviours on hand-made jobs: boundaries, styles, code pages, codes, status queries, resynchronisation.
import { describe, expect, it } from 'vitest';
import {
  decode,
  EscposStream,
  listCodepages,
  receiptText,
  UnknownCodepageError,
  type DecodedReceipt,
} from '../../main/escpos/index.js';

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;
const LF = 0x0a;
const INIT = [ESC, 0x40];
const CUT = [GS, 0x56, 0x00];

/** Bytes from parts: strings are Latin-1 text, numbers and arrays raw bytes. */
function job(...parts: (string | number | number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const ch of p) out.push(ch.charCodeAt(0));
    else if (typeof p === 'number') out.push(p);
    else out.push(...p);
  }
  return new Uint8Array(out);
}

const texts = (rs: DecodedReceipt[]) => rs.map(receiptText);

describe('receipt boundaries', () => {
  it('every GS V form ends a receipt, full or partial', () => {
    const forms: [number[], string][] = [
      [[GS, 0x56, 0], 'cut'],
      [[GS, 0x56, 48], 'cut'],
      [[GS, 0x56, 1], 'partial_cut'],
      [[GS, 0x56, 49], 'partial_cut'],
      [[GS, 0x56, 65, 3], 'cut'],
      [[GS, 0x56, 66, 3], 'partial_cut'],
      [[GS, 0x56, 97, 3], 'cut'],
      [[GS, 0x56, 98, 3], 'partial_cut'],
      [[GS, 0x56, 103, 3], 'cut'],
      [[GS, 0x56, 104, 3], 'partial_cut'],
      [[ESC, 0x69], 'cut'],
      [[ESC, 0x6d], 'partial_cut'],
    ];
    for (const [cut, end] of forms) {
      const rs = decode(job(INIT, 'A\n', cut, 'B\n', cut));
      expect(rs.map((r) => [receiptText(r), r.end])).toEqual([
        ['A', end],
        ['B', end],
      ]);
    }
  });

  it('the parameter of GS V 65 n is not printed', () => {
    const rs = decode(job(INIT, 'A\n', [GS, 0x56, 65, 0x41], 'B\n'));
    expect(texts(rs)).toEqual(['A', 'B']);
  });

  it('a cut followed by ESC @ starts a new receipt; ESC @ after printed content ends one as new_job', () => {
    const rs = decode(job(INIT, 'one\n', INIT, 'two\n', CUT, INIT, 'three\n'));
    expect(rs.map((r) => [receiptText(r), r.end])).toEqual([
      ['one', 'new_job'],
      ['two', 'cut'],
      ['three', 'end_of_data'],
    ]);
  });

  it('two cuts back to back never yield an empty receipt', () => {
    const rs = decode(job(INIT, 'A\n', CUT, CUT, [GS, 0x56, 1], '\n\n', CUT));
    expect(rs).toHaveLength(1);
  });

  it('junk before the first ESC @ is dropped from the text and kept in raw', () => {
    const bytes = job(';0', 0, ';1', 0x18, ESC, 0x3d, 1, INIT, 'Hello\n', CUT);
    const [r] = decode(bytes);
    expect(receiptText(r as DecodedReceipt)).toBe('Hello');
    expect(r?.raw).toEqual(bytes);
    expect(r?.warnings.map((w) => [w.code, w.offset])).toEqual([['junk_before_init', 0]]);
  });

  it('a lone init and a status query before content belong to the next receipt raw', () => {
    const bytes = job(INIT, [DLE, 4, 1], INIT, 'X\n', CUT);
    const rs = decode(bytes);
    expect(rs).toHaveLength(1);
    expect(rs[0]?.raw.length).toBe(bytes.length);
  });

  it('an idle gap ends a receipt that never cuts (stream, injected clock)', () => {
    const s = new EscposStream({ idleMs: 2000 });
    expect(s.push(job(INIT, 'first\n'), 1000).receipts).toEqual([]);
    expect(s.tick(2999)).toEqual([]);
    const idle = s.tick(3000);
    expect(idle.map((r) => [receiptText(r), r.end])).toEqual([['first', 'idle']]);
    // A push after the gap ends the open receipt before reading the new bytes.
    s.push(job('second\n'), 4000);
    const next = s.push(job('third\n'), 7000).receipts;
    expect(next.map((r) => [receiptText(r), r.end])).toEqual([['second', 'idle']]);
    expect(s.end().map(receiptText)).toEqual(['third']);
  });

  it('idle uses the configured gap', () => {
    const s = new EscposStream({ idleMs: 50 });
    s.push(job('x\n'), 0);
    expect(s.tick(49)).toEqual([]);
    expect(s.tick(50)).toHaveLength(1);
  });
});

describe('text and styles', () => {
  it('keeps leading spaces so columns survive, drops trailing ones', () => {
    const [r] = decode(job('   Item        1.00   \n'));
    expect(r?.lines[0]?.text).toBe('   Item        1.00');
  });

  it('records bold, double width/height, underline, reverse and alignment per line', () => {
    const [r] = decode(
      job(
        [ESC, 0x45, 1], 'bold\n', [ESC, 0x45, 0],
        [GS, 0x21, 0x11], 'big\n', [GS, 0x21, 0],
        [ESC, 0x21, 0x30], 'bang\n', [ESC, 0x21, 0],
        [ESC, 0x2d, 1], 'under\n', [ESC, 0x2d, 0],
        [GS, 0x42, 1], 'rev\n', [GS, 0x42, 0],
        [ESC, 0x61, 1], 'mid\n', [ESC, 0x61, 50], 'right\n', [ESC, 0x61, 0], 'plain\n',
      ),
    );
    const st = (k: number) => r?.lines[k]?.style;
    expect(r?.lines.map((l) => l.text)).toEqual(['bold', 'big', 'bang', 'under', 'rev', 'mid', 'right', 'plain']);
    expect(st(0)).toMatchObject({ bold: true, doubleWidth: false });
    expect(st(1)).toMatchObject({ bold: false, doubleWidth: true, doubleHeight: true });
    expect(st(2)).toMatchObject({ doubleWidth: true, doubleHeight: true });
    expect(st(3)).toMatchObject({ underline: true });
    expect(st(4)).toMatchObject({ reverse: true });
    expect(st(5)?.align).toBe('center');
    expect(st(6)?.align).toBe('right');
    expect(st(7)).toEqual({ bold: false, underline: false, doubleWidth: false, doubleHeight: false, reverse: false, align: 'left' });
  });

  it('CR LF, CR alone and LF give one line break each', () => {
    expect(decode(job('a\r\nb\rc\nd\n'))[0]?.lines.map((l) => l.text)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('HT moves to the next tab stop (default every 8 columns, ESC D sets them)', () => {
    expect(decode(job('ab\tc\n'))[0]?.lines[0]?.text).toBe('ab      c');
    expect(decode(job([ESC, 0x44, 4, 10, 0], 'a\tb\tc\n'))[0]?.lines[0]?.text).toBe('a   b     c');
  });

  it('ESC $ absolute position becomes columns (12-dot font A)', () => {
    expect(decode(job('Tea', [ESC, 0x24, 120, 0], '2.00\n'))[0]?.lines[0]?.text).toBe('Tea       2.00');
  });

  it('no parameter byte of any command leaks into the text', () => {
    const params = job(
      INIT, [ESC, 0x21, 0x41], [ESC, 0x20, 0x41], [ESC, 0x33, 0x41], [ESC, 0x4a, 0x41], [ESC, 0x4d, 0x31],
      [ESC, 0x52, 0], [ESC, 0x74, 0], [ESC, 0x7b, 0x31], [ESC, 0x70, 0x30, 0x41, 0x42], [ESC, 0x63, 0x33, 0x41],
      [ESC, 0x57, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41], [ESC, 0x5c, 0x41, 0], [ESC, 0x55, 0x41],
      [GS, 0x48, 0x41], [GS, 0x66, 0x41], [GS, 0x68, 0x41], [GS, 0x77, 0x41], [GS, 0x4c, 0x41, 0x41],
      [GS, 0x57, 0x41, 0x41], [GS, 0x50, 0x41, 0x41], [GS, 0x61, 0x41], [GS, 0x5e, 0x41, 0x41, 0x41],
      [GS, 0x7a, 0x30, 0x41, 0x41], [GS, 0x67, 0x30, 0x41, 0x41, 0x41], [GS, 0x28, 0x41, 2, 0, 0x41, 0x41],
      [GS, 0x28, 0x45, 3, 0, 0x41, 0x41, 0x41], [ESC, 0x28, 0x41, 4, 0, 0x41, 0x41, 0x41, 0x41],
      [FS, 0x21, 0x41], [FS, 0x2d, 0x41], [FS, 0x53, 0x41, 0x41], [FS, 0x57, 0x41], [FS, 0x70, 1, 0x30],
      [ESC, 0x2a, 0, 3, 0, 0x41, 0x41, 0x41], [GS, 0x76, 0x30, 0, 2, 0, 1, 0, 0x41, 0x41],
      [GS, 0x2a, 1, 1, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41], [GS, 0x2f, 0x30],
      [ESC, 0x26, 3, 0x41, 0x42, 2, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 1, 0x41, 0x41, 0x41],
      [FS, 0x71, 1, 1, 0, 1, 0, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41],
      [DLE, 4, 1], [DLE, 5, 2], [DLE, 0x14, 1, 0, 1], [GS, 0x72, 1], [GS, 0x49, 0x41],
      'OK\n',
    );
    const [r] = decode(params);
    expect(r?.lines.map((l) => l.text)).toEqual(['OK']);
    expect(r?.warnings).toEqual([]);
  });

  it('an unknown command is skipped by the documented rule (prefix and command byte), counted and warned', () => {
    const s = new EscposStream();
    s.push(job('ab', [ESC, 0x01], 'cd', [GS, 0xfe], 'ef\n'), 0);
    const [r] = s.end();
    expect(r?.lines[0]?.text).toBe('abcdef');
    expect(r?.warnings.map((w) => [w.code, w.offset])).toEqual([
      ['unknown_command', 2],
      ['unknown_command', 6],
    ]);
    expect(s.stats.unknownCommands).toBe(2);
  });

  it('long receipts keep every line whole and in order, page-mode lines among them, whole, byte by byte or split anywhere', () => {
    // Three receipts of 400 lines from 0 to 120 characters (more text than the decoder holds before it makes the
    // lines' strings), some blank, some with CP437 letters, a page-mode block in the second.
    const lineOf = (r: number, k: number) => (k % 37 === 5 ? '' : `${r}:${k} ${'caf\x82 cr\x8ame '.repeat(k % 11)}${'x'.repeat((k * 7) % 50)}`);
    const want = (r: number) => Array.from({ length: 400 }, (_, k) => lineOf(r, k).replace(/\x82/g, '\u00e9').replace(/\x8a/g, '\u00e8').trimEnd());
    const receipt = (r: number) => {
      const parts: (string | number[])[] = [INIT];
      for (let k = 0; k < 400; k++) {
        parts.push(`${lineOf(r, k)}\n`);
        if (r === 1 && k === 200) parts.push([ESC, 0x4c], 'page one\npage two\n', [0x0c]);
      }
      return job(...parts, CUT);
    };
    const bytes = job(receipt(0), receipt(1), receipt(2));
    const expected = [want(0), [...want(1).slice(0, 201), 'page one', 'page two', ...want(1).slice(201)], want(2)];
    const lines = (rs: DecodedReceipt[]) => rs.map((r) => r.lines.map((l) => l.text));
    expect(lines(decode(bytes))).toEqual(expected);
    for (const size of [1, 7, 997]) {
      const s = new EscposStream();
      const rs: DecodedReceipt[] = [];
      for (let at = 0; at < bytes.length; at += size) rs.push(...s.push(bytes.subarray(at, at + size), 0).receipts);
      rs.push(...s.end());
      expect(lines(rs), `reads of ${size} bytes`).toEqual(expected);
    }
  });

  it('page mode text prints on FF; ESC S discards the unprinted page', () => {
    expect(texts(decode(job([ESC, 0x4c], 'page\n', 0x0c, 'after\n')))).toEqual(['page\nafter']);
    expect(texts(decode(job([ESC, 0x4c], 'lost\n', [ESC, 0x53], 'kept\n')))).toEqual(['kept']);
  });
});

describe('code pages', () => {
  it('lists the code pages and refuses an unknown name with a clear error', () => {
    const names = listCodepages();
    for (const n of ['CP437', 'CP850', 'CP852', 'CP858', 'CP860', 'CP863', 'CP865', 'CP866', 'WPC1252', 'ISO-8859-1', 'ISO-8859-15', 'GBK', 'BIG5']) {
      expect(names).toContain(n);
    }
    expect(() => decode(job('x'), { codepage: 'CP999' })).toThrow(UnknownCodepageError);
    try {
      decode(job('x'), { codepage: 'CP999' });
    } catch (err) {
      expect((err as UnknownCodepageError).code).toBe('unknown_codepage');
      expect((err as Error).message).toContain('CP999');
    }
  });

  it('ESC t state is kept across lines and commands, and reset by ESC @ to the device default', () => {
    const rs = decode(job([ESC, 0x74, 19], 0xd5, '\n', [ESC, 0x45, 1], 0xd5, '\n', CUT, INIT, 0xd5, '\n'), { codepage: 'WPC1252' });
    expect(texts(rs)).toEqual(['€\n€', 'Õ']);
  });

  it('decodes each required page', () => {
    const cases: [number, number, string][] = [
      [0, 0x9c, '£'], // CP437
      [2, 0x9b, 'ø'], // CP850
      [18, 0xa5, 'ą'], // CP852
      [19, 0xd5, '€'], // CP858
      [3, 0x84, 'ã'], // CP860
      [4, 0x86, '¶'], // CP863
      [5, 0x9b, 'ø'], // CP865
      [17, 0x80, 'А'], // CP866
      [16, 0x80, '€'], // WPC1252
      [40, 0xa4, '€'], // ISO-8859-15
    ];
    for (const [n, byte, want] of cases) expect(receiptText(decode(job([ESC, 0x74, n], byte, '\n'))[0] as DecodedReceipt), `ESC t ${n}`).toBe(want);
    expect(receiptText(decode(job(0xe9, '\n'), { codepage: 'ISO-8859-1' })[0] as DecodedReceipt)).toBe('é');
  });

  it('FS & selects double-byte text (GBK by default, Big5 by config); FS . returns to single-byte', () => {
    const gbk = job([FS, 0x26], 0xc4, 0xe3, 0xba, 0xc3, [FS, 0x2e], 0x9c, '\n');
    expect(receiptText(decode(gbk)[0] as DecodedReceipt)).toBe('你好£');
    const big5 = job([FS, 0x26], 0xa7, 0x41, '\n');
    expect(receiptText(decode(big5, { doubleByte: 'BIG5' })[0] as DecodedReceipt)).toBe('你');
    // A printer whose default page is GBK starts in double-byte mode.
    expect(receiptText(decode(job(0xc4, 0xe3, '\n'), { codepage: 'GBK' })[0] as DecodedReceipt)).toBe('你');
  });

  it('a double-byte character split across chunks decodes the same', () => {
    const s = new EscposStream({ codepage: 'GBK' });
    s.push(job(0xc4), 0);
    s.push(job(0xe3, '\n'), 0);
    expect(s.end().map(receiptText)).toEqual(['你']);
  });

  it('ESC R selects a national character set', () => {
    expect(receiptText(decode(job([ESC, 0x52, 2], '[\\]{|}~\n'))[0] as DecodedReceipt)).toBe('ÄÖÜäöüß');
    expect(receiptText(decode(job([ESC, 0x52, 3], '#5\n'))[0] as DecodedReceipt)).toBe('£5');
  });
});

describe('codes and images', () => {
  it('reports QR and PDF417 payloads when printed', () => {
    const store = (cn: number, data: string) => {
      const len = data.length + 3;
      return [GS, 0x28, 0x6b, len & 0xff, len >> 8, cn, 80, 48, ...[...data].map((c) => c.charCodeAt(0))];
    };
    const print = (cn: number) => [GS, 0x28, 0x6b, 3, 0, cn, 81, 48];
    const [r] = decode(job(INIT, store(49, 'https://irn.example/abc?x=1'), print(49), store(48, 'PDF data'), print(48), CUT));
    expect(r?.qr).toEqual(['https://irn.example/abc?x=1']);
    expect(r?.pdf417).toEqual(['PDF data']);
    expect(r?.lines).toEqual([]);
  });

  it('reports barcode values for both GS k forms, CODE128 code sets expanded', () => {
    const [r] = decode(
      job([GS, 0x6b, 2], '590123412345', 0, [GS, 0x6b, 73, 8], '{B', 'AB', '{C', 12, 34, [GS, 0x6b, 69, 4], 'A-1 ', CUT),
    );
    expect(r?.barcodes).toEqual([
      { type: 'EAN13', value: '590123412345' },
      { type: 'CODE128', value: 'AB1234' },
      { type: 'CODE39', value: 'A-1 ' },
    ]);
  });

  it('a barcode that declares more bytes than it has resynchronises instead of swallowing the text', () => {
    const [r] = decode(job([GS, 0x6b, 69, 40], '1234\n', 'TOTAL 5.00\n', CUT));
    expect(r?.lines.map((l) => l.text)).toEqual(['TOTAL 5.00']);
    expect(r?.warnings[0]?.code).toBe('truncated_block');
  });

  it('a graphics block longer than its data resynchronises on the print-graphics command', () => {
    const header = [GS, 0x38, 0x4c, 0x10, 0x27, 0, 0, 0x30, 0x70, 0x30, 1, 1, 0x31, 8, 0, 100, 0];
    const bytes = job(INIT, header, new Uint8Array(40), [GS, 0x28, 0x4c, 2, 0, 0x30, 0x32], 'Footer\n', CUT);
    const [r] = decode(bytes);
    expect(receiptText(r as DecodedReceipt)).toBe('Footer');
    expect(r?.images).toBe(1);
    expect(r?.end).toBe('cut');
  });

  it('a block cut short by the end of data is a truncated_block warning, not a hang', () => {
    const [r] = decode(job('Hi\n', [GS, 0x76, 0x30, 0, 10, 0, 10, 0], new Uint8Array(5)));
    expect(r?.end).toBe('end_of_data');
    expect(r?.warnings.map((w) => w.code)).toContain('truncated_block');
  });

  it('counts consecutive bit-image stripes as one image', () => {
    const stripe = [ESC, 0x2a, 0, 2, 0, 1, 2, LF];
    const [r] = decode(job(stripe, stripe, stripe, 'text\n', stripe, CUT));
    expect(r?.images).toBe(2);
  });
});

describe('status queries', () => {
  it('reports DLE EOT, DLE ENQ, DLE DC4, GS r and GS I as they complete, with stream offsets', () => {
    const s = new EscposStream();
    const first = s.push(job('ab', DLE), 0);
    expect(first.queries).toEqual([]);
    const second = s.push(job(4, 1, [GS, 0x72, 1], [GS, 0x49, 0x42], [DLE, 5, 2], [DLE, 0x14, 8, 1, 3, 20, 1, 6, 2, 8]), 0);
    expect(second.queries).toEqual([
      { command: 'DLE EOT', n: 1, offset: 2 },
      { command: 'GS r', n: 1, offset: 5 },
      { command: 'GS I', n: 0x42, offset: 8 },
      { command: 'DLE ENQ', n: 2, offset: 11 },
      { command: 'DLE DC4', n: 8, offset: 14 },
    ]);
    expect(s.end().map(receiptText)).toEqual(['ab']);
  });
});

describe('receipts it has never seen', () => {
  it('a supermarket receipt with columns by ESC $ and HT, WPC1252 text, a QR and a barcode, then a CP866 receipt', () => {
    const qrData = 'https://verify.example.ng/irn/INV001-94ND90NR-20240611';
    const qrLen = qrData.length + 3;
    const bytes = job(
      [DLE, 4, 1], INIT, [ESC, 0x74, 16], [ESC, 0x61, 1], [ESC, 0x21, 0x30], 'SHOPRITE LEKKI\n', [ESC, 0x21, 0],
      'Admiralty Way, Lagos\n', [ESC, 0x61, 0], '\n',
      'Caf', 0xe9, ' au lait', [ESC, 0x24, 0x74, 0x01], '1,250.00\n',
      'Cr', 0xe8, 'me br', 0xfb, 'l', 0xe9, 'e', [ESC, 0x24, 0x74, 0x01], '3,000.00\n',
      [ESC, 0x44, 8, 20, 0], 'Qty\tItem\tAmount\n',
      '2\tBread\t1,400.00\n',
      [ESC, 0x45, 1], 'TOTAL', [ESC, 0x24, 0x74, 0x01], '5,650.00\n', [ESC, 0x45, 0],
      [GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0], [GS, 0x28, 0x6b, qrLen & 0xff, qrLen >> 8, 0x31, 0x50, 0x30], qrData,
      [GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30],
      [GS, 0x48, 2], [GS, 0x6b, 73, 11], '{BINV-00001',
      [ESC, 0x64, 4], [GS, 0x56, 66, 0],
      [DLE, 4, 4],
      INIT, [ESC, 0x74, 17], 0x91, 0xaf, 0xa0, 0xe1, 0xa8, 0xa1, 0xae, '!\n', [ESC, 0x70, 0, 25, 250], [GS, 0x56, 1],
    );
    const s = new EscposStream({ codepage: 'CP437' });
    const receipts: DecodedReceipt[] = [];
    const queries: number[] = [];
    for (let at = 0; at < bytes.length; at += 7) {
      const out = s.push(bytes.subarray(at, at + 7), 0);
      receipts.push(...out.receipts);
      queries.push(...out.queries.map((q) => q.n));
    }
    receipts.push(...s.end());
    expect(queries).toEqual([1, 4]);
    expect(receipts).toHaveLength(2);
    const [a, b] = receipts as [DecodedReceipt, DecodedReceipt];
    expect(a.lines.map((l) => l.text)).toEqual([
      'SHOPRITE LEKKI',
      'Admiralty Way, Lagos',
      '',
      'Café au lait                   1,250.00',
      'Crème brûlée                   3,000.00',
      'Qty     Item        Amount',
      '2       Bread       1,400.00',
      'TOTAL                          5,650.00',
    ]);
    expect(a.lines[0]?.style).toMatchObject({ align: 'center', doubleHeight: true, doubleWidth: true });
    expect(a.lines[7]?.style.bold).toBe(true);
    expect(a.qr).toEqual([qrData]);
    expect(a.barcodes).toEqual([{ type: 'CODE128', value: 'INV-00001' }]);
    expect(a.end).toBe('partial_cut');
    expect(receiptText(b)).toBe('Спасибо!');
    expect(b.end).toBe('partial_cut');
    // The two raw spans cover the job up to the second cut.
    expect(a.raw.length + b.raw.length).toBe(bytes.length);
  });

  it('a Star-style job: ESC GS a centres, ESC GS t selects the Star code page table', () => {
    const [r] = decode(job(INIT, [ESC, 0x1d, 0x61, 1], 'Star\n', [ESC, 0x1d, 0x74, 32], 0x80, ' 2\n', CUT));
    expect(r?.lines.map((l) => [l.text, l.style.align])).toEqual([
      ['Star', 'center'],
      ['€ 2', 'center'],
    ]);
  });
});

describe('idle with an unfinished command', () => {
  it('abandons the command with the receipt, so the next job does not lose its first byte', () => {
    const s = new EscposStream({ idleMs: 1000 });
    s.push(job('Hi\n', ESC), 0);
    const [r] = s.tick(1000);
    expect(r?.end).toBe('idle');
    expect(r?.warnings.map((w) => w.code)).toEqual(['truncated_block']);
    expect(r?.raw).toEqual(job('Hi\n', ESC));
    s.push(job('Next\n'), 5000);
    expect(s.end().map(receiptText)).toEqual(['Next']);
  });
});

describe('re-decoding a receipt from its raw bytes', () => {
  it('gives the same text when decoded with the code page in force at its start', () => {
    const bytes = job(INIT, [ESC, 0x74, 19], 'one ', 0xd5, '\n', CUT, 'two ', 0xd5, '\n', CUT);
    const rs = decode(bytes);
    expect(texts(rs)).toEqual(['one €', 'two €']);
    expect(rs.map((r) => r.startCodepage)).toEqual(['CP437', 'CP858']);
    const again = decode((rs[1] as DecodedReceipt).raw, { codepage: rs[1]?.startCodepage });
    expect(texts(again)).toEqual(['two €']);
  });
});

describe('UTF-8 printers', () => {
  const utf8 = (s: string) => [...Buffer.from(s, 'utf8')];

  it('a device whose code page is UTF-8 decodes UTF-8 text, including the naira sign', () => {
    const [r] = decode(job(INIT, utf8('Total ₦1,500.00 — 😀'), '\n'), { codepage: 'utf8' });
    expect(receiptText(r as DecodedReceipt)).toBe('Total ₦1,500.00 — 😀');
    expect(r?.startCodepage).toBe('UTF-8');
  });

  it('FS ( C fn 48 switches between one-byte code pages and UTF-8', () => {
    const on = [FS, 0x28, 0x43, 2, 0, 48, 2];
    const off = [FS, 0x28, 0x43, 2, 0, 48, 1];
    const [r] = decode(job(on, utf8('Café ₦'), '\n', off, 0x82, '\n'));
    expect(r?.lines.map((l) => l.text)).toEqual(['Café ₦', 'é']);
  });

  it('broken UTF-8 prints replacement glyphs and never swallows the next command', () => {
    const [r] = decode(job(0xe2, 0x82, '\n', 0xff, 'A', 0xc3, [ESC, 0x45, 1], 'B\n'), { codepage: 'UTF-8' });
    expect(r?.lines.map((l) => l.text)).toEqual(['\ufffd', '\ufffdA\ufffdB']);
  });
});
