// Quirks of real tills and drivers (issue 15): each byte sequence decoded whole and byte by byte (commands split across reads).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { suspectEncoding } from '../../main/escpos/encoding-check.js';
import { decode, EscposStream, paperLines, receiptText, type DecodedReceipt, type DecoderOptions } from '../../main/escpos/index.js';

const ESC = 0x1b;
const GS = 0x1d;
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

const utf8 = (s: string) => new TextEncoder().encode(s);

const shape = (rs: DecodedReceipt[]) =>
  rs.map((r) => ({ end: r.end, lines: r.lines.map((l) => l.text), raw: r.raw.length, codes: r.codes, notReceipt: r.notReceipt, warnings: r.warnings.map((w) => [w.code, w.offset, w.message]) }));

/** Decodes `bytes` whole and fed one byte per read; both must give the same receipts. */
function decodeBoth(bytes: Uint8Array, options?: DecoderOptions): DecodedReceipt[] {
  const whole = decode(bytes, options);
  const s = new EscposStream(options);
  const split: DecodedReceipt[] = [];
  for (let k = 0; k < bytes.length; k++) split.push(...s.push(bytes.subarray(k, k + 1), 0).receipts);
  split.push(...s.end());
  expect(shape(split)).toEqual(shape(whole));
  return whole;
}

describe('1. LF then CR is one line end', () => {
  it('41 0A 0D 42 0A 0D 1D 56 00 gives the lines A, B', () => {
    const rs = decodeBoth(job([0x41, 0x0a, 0x0d, 0x42, 0x0a, 0x0d, 0x1d, 0x56, 0x00]));
    expect(rs.map((r) => [r.lines.map((l) => l.text), r.end])).toEqual([[['A', 'B'], 'cut']]);
  });

  it('CR LF is still one line end, and two LFs still leave a blank line', () => {
    const rs = decodeBoth(job('A\r\nB\n\nC\r\n', CUT));
    expect(receiptText(rs[0] as DecodedReceipt)).toBe('A\nB\n\nC');
  });
});

describe('2. a cut whose feed byte is missing', () => {
  it('1D 56 41 then ESC @ is a cut, and the ESC @ a command, not a phantom "@" receipt', () => {
    const rs = decodeBoth(job(INIT, 'one\n', [GS, 0x56, 0x41], INIT, 'two\n', CUT));
    expect(rs.map((r) => [receiptText(r), r.end])).toEqual([
      ['one', 'cut'],
      ['two', 'cut'],
    ]);
    expect(rs[0]?.warnings.map((w) => w.code)).toEqual(['truncated_block']);
    expect(rs[0]?.warnings[0]?.message).toMatch(/cut short by the command at offset 9/);
    expect(rs[1]?.warnings).toEqual([]);
    expect(rs[1]?.raw.slice(0, 2)).toEqual(Uint8Array.from(INIT));
  });

  it('a parameter byte equal to ESC is kept as a parameter when no command follows it', () => {
    // ESC 3 27 (line spacing 27 dots) then text: "ESC 0x01" is no command.
    const rs = decodeBoth(job(INIT, [ESC, 0x33, 0x1b], [0x01], 'Text\n', CUT));
    expect(rs.map(receiptText)).toEqual(['Text']);
    expect(rs[0]?.warnings).toEqual([]);
  });

  it('a status query interrupting a parameter is read as the query', () => {
    const s = new EscposStream();
    const { queries } = s.push(job(INIT, [ESC, 0x21], [0x10, 0x04, 0x01], 'X\n'), 0);
    expect(queries.map((q) => [q.command, q.n])).toEqual([['DLE EOT', 1]]);
  });
});

describe('3. ESC 4 / ESC 5 with and without a parameter', () => {
  it('1B 34 49 74 61 6C 69 63 0A reads "Italic"', () => {
    const rs = decodeBoth(job([0x1b, 0x34, 0x49, 0x74, 0x61, 0x6c, 0x69, 0x63, 0x0a]));
    expect(rs.map(receiptText)).toEqual(['Italic']);
    expect(rs[0]?.warnings).toEqual([]);
  });

  it('ESC 5 is known; 0, 1, 48 and 49 after ESC 4 / ESC 5 are their parameter', () => {
    const rs = decodeBoth(job(INIT, [ESC, 0x34, 1], 'on\n', [ESC, 0x35], 'off\n', [ESC, 0x34, 49], 'A', [ESC, 0x35, 0], 'B\n', [ESC, 0x35], [ESC, 0x34], CUT));
    expect(rs.map(receiptText)).toEqual(['on\noff\nAB']);
    expect(rs[0]?.warnings).toEqual([]);
  });
});

describe('4. Windows driver framing', () => {
  it("Xprinter's 1D 55 42 02 18 … 1D 53 1B 72 1D 54 prints no text and ends the receipt with a cut", () => {
    const start = [0x1d, 0x55, 0x42, 0x02, 0x18];
    const end = [0x1d, 0x53, 0x1b, 0x72, 0x1d, 0x54];
    const rs = decodeBoth(job(start, INIT, 'Hello\n', 'Total 5.00\n', end, start, INIT, 'Next\n', end));
    expect(rs.map((r) => [r.lines.map((l) => l.text), r.end, r.warnings])).toEqual([
      [['Hello', 'Total 5.00'], 'cut', []],
      [['Next'], 'cut', []],
    ]);
  });

  it('a GS U that is not the framing is an unknown command and the text after it prints', () => {
    const rs = decodeBoth(job(INIT, [GS, 0x55], 'Hi\n', CUT));
    expect(rs.map(receiptText)).toEqual(['Hi']);
    expect(rs[0]?.warnings.map((w) => w.code)).toEqual(['unknown_command']);
  });
});

describe('5. jobs that are not ESC/POS', () => {
  const jobs: [string, string, Uint8Array][] = [
    ['TSPL', 'label', job('SIZE 60 mm, 40 mm\r\nGAP 2 mm, 0 mm\r\nDIRECTION 1\r\nCLS\r\nTEXT 10,10,"3",0,1,1,"Hello"\r\nPRINT 1\r\n')],
    ['ZPL', 'label', job('^XA\n^FO50,50^ADN,36,20^FDTOTAL 5000.00^FS\n^XZ\n')],
    ['EPL', 'label', job('\nN\nq609\nA50,0,0,1,1,1,N,"TOTAL 5000.00"\nP1\n')],
    ['PCL', 'page', job('\x1bE\x1b&l0O\x1b(s0p12h10v0s0b3T', 'TOTAL 5000.00\r\n', '\x1bi\x1b@\x1b*p0x0Y', '\x0c\x1bE')],
    ['PCL', 'page', job('\x1b%-12345X@PJL JOB\r\n@PJL ENTER LANGUAGE=PCL\r\n\x1bETOTAL\r\n\x1bE\x1b%-12345X')],
    ['PostScript', 'page', job('%!PS-Adobe-3.0\n/Courier findfont 10 scalefont setfont\n72 720 moveto (TOTAL 5000.00) show\nshowpage\n')],
  ];
  for (const [language, what, bytes] of jobs) {
    it(`a ${language} job is one receipt with no text, marked "this is a ${language} ${what} job, not a receipt"`, () => {
      const rs = decodeBoth(bytes);
      expect(rs).toHaveLength(1);
      expect(rs[0]?.notReceipt).toEqual({ language, reason: `this is a ${language} ${what} job, not a receipt` });
      expect(rs[0]?.lines).toEqual([]);
      expect(rs[0]?.raw).toEqual(bytes);
      expect(rs[0]?.warnings).toEqual([]);
    });
  }

  it('after a foreign job goes idle, the next ESC/POS receipt reads normally', () => {
    const s = new EscposStream({ idleMs: 100 });
    const first = s.push(job('^XA^FDHello^FS^XZ'), 0).receipts;
    expect(first).toEqual([]);
    const second = s.push(job(INIT, 'Receipt\n', CUT), 1000).receipts;
    expect(second.map((r) => [r.notReceipt?.language, receiptText(r), r.end])).toEqual([
      ['ZPL', '', 'idle'],
      [undefined, 'Receipt', 'cut'],
    ]);
  });

  it('a label job right after a receipt\'s cut, in the same read, is its own foreign job', () => {
    const label = job('SIZE 60 mm, 40 mm\r\nCLS\r\nTEXT 10,10,"3",0,1,1,"Hello"\r\nPRINT 1\r\n');
    const rs = decodeBoth(job(INIT, 'Receipt\n', CUT, label));
    expect(rs.map((r) => [r.notReceipt?.language, receiptText(r), r.end])).toEqual([
      [undefined, 'Receipt', 'cut'],
      ['TSPL', '', 'end_of_data'],
    ]);
    expect(rs[1]?.raw).toEqual(label);
  });

  it('a cut whose feed byte went missing is not followed by a sniff of the command that cut it short', () => {
    // GS V A, then ESC E ESC: PCL's signature would start at the ESC, but that ESC is the cut's interrupter.
    const rs = decodeBoth(job(INIT, 'Receipt\n', [GS, 0x56, 0x41], [ESC, 0x45, ESC], '@', 'Next\n', CUT));
    expect(rs.map((r) => [r.notReceipt, receiptText(r)])).toEqual([
      [undefined, 'Receipt'],
      [undefined, 'Next'],
    ]);
  });

  it('a receipt that merely starts with a word like "SIZE" in a line of its own is still a receipt', () => {
    const rs = decodeBoth(job(INIT, 'SIZE M T-SHIRT   2,500.00\n', CUT));
    expect(rs[0]?.notReceipt).toBeUndefined();
    expect(receiptText(rs[0] as DecodedReceipt)).toBe('SIZE M T-SHIRT   2,500.00');
  });
});

describe('6. garbage says it is garbage', () => {
  const suspect = (r: DecodedReceipt | undefined) => r?.warnings.filter((w) => w.code === 'suspect_encoding').map((w) => w.message) ?? [];

  it('UTF-8 text read as CP437 names UTF-8', () => {
    const rs = decodeBoth(job(INIT, utf8('Café crème brûlée  1,500.00\nThank you – à bientôt\n'), CUT));
    expect(receiptText(rs[0] as DecodedReceipt)).toContain('├⌐');
    const [m] = suspect(rs[0]);
    expect(m).toMatch(/reads cleanly as UTF-8: set this device's code page to UTF-8/);
    expect(m).toMatch(/--codepage UTF-8/);
    // The warning leads to the fix: decoding with UTF-8 reads it and warns no more.
    const fixed = decode(rs[0]?.raw as Uint8Array, { codepage: 'UTF-8' });
    expect(receiptText(fixed[0] as DecodedReceipt)).toBe('Café crème brûlée  1,500.00\nThank you – à bientôt');
    expect(suspect(fixed[0])).toEqual([]);
  });

  it('UTF-8 Chinese read as GBK names UTF-8', () => {
    const rs = decodeBoth(job(INIT, utf8('欢迎光临 收银台 1\n合计 128.00 元\n'), CUT), { codepage: 'GBK' });
    expect(suspect(rs[0])).toHaveLength(1);
    expect(suspect(rs[0])[0]).toMatch(/mis-decoded as GBK .* reads cleanly as UTF-8/);
  });

  it('Cyrillic WPC1251 read as CP437 names WPC1251, not a Latin page', () => {
    const cyr = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, 0x20, 0xcc, 0xe0, 0xe3, 0xe0, 0xe7, 0xe8, 0xed, 0x0a]);
    const rs = decodeBoth(job(INIT, cyr, CUT));
    expect(suspect(rs[0])[0]).toMatch(/reads cleanly as WPC1251/);
  });

  it('double-encoded UTF-8 says the POS encodes twice', () => {
    const twice = utf8(Buffer.from(utf8('Café crème 500.00\n')).toString('latin1'));
    const rs = decodeBoth(job(INIT, twice, CUT), { codepage: 'UTF-8' });
    expect(suspect(rs[0])[0]).toMatch(/encoded twice as UTF-8 by the POS/);
  });

  it('right text warns nothing: CP858 accents, a CP437 box frame, GBK Chinese', () => {
    const cp858 = decodeBoth(job(INIT, [ESC, 0x74, 19], 'Caf\x82 cr\x8ame \xd5 5.00\n', CUT));
    expect(receiptText(cp858[0] as DecodedReceipt)).toBe('Café crème € 5.00');
    const frame = decodeBoth(job(INIT, '\xc9\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xbb\n\xba TOTAL \xba\n\xc8\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xbc\n', CUT));
    const gbk = decodeBoth(job(INIT, Buffer.from([0xba, 0xcf, 0xbc, 0xc6, 0x20, 0x31, 0x32, 0x38, 0x0a]), CUT), { codepage: 'GBK' });
    expect(receiptText(gbk[0] as DecodedReceipt)).toBe('合计 128');
    for (const r of [cp858[0], frame[0], gbk[0]]) expect(suspect(r)).toEqual([]);
  });
});

describe('6. the running count the decoder keeps never misses garbage the whole-text check sees', () => {
  // The decoder counts odd characters while it reads and looks at the whole text again only when the count
  // says so; looking at every receipt's whole text (what it did before) must find nothing more.
  const fragments = [
    utf8('Café crème brûlée 1,500.00'),
    utf8('Thank you – à bientôt'),
    Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), // Cyrillic in WPC1251
    Buffer.from('\xc9\xcd\xcd\xbb\xba TOTAL\xba\xb0\xb1\xb2', 'latin1'), // CP437 box drawing, some beside letters
    Buffer.from('Caf\x82 \x9c5.00 \xe0\xe1\xe2\xe3\xe4\xe5', 'latin1'),
    utf8(Buffer.from(utf8('Crème 500.00')).toString('latin1')), // UTF-8 encoded twice
    Buffer.from('TOTAL 12,345.00 NGN', 'latin1'),
    [0x0a], [0x0d], [0x0a], [ESC, 0x74, 19], [ESC, 0x74, 16], [ESC, 0x74, 0], [ESC, 0x52, 3], [ESC, 0x4c], [0x0c], [ESC, 0x53], [0x18], INIT, CUT,
  ];
  const jobArb = fc.array(fc.integer({ min: 0, max: fragments.length - 1 }), { maxLength: 40 }).map((ks) => job(...ks.map((k) => fragments[k] as number[] | Uint8Array), CUT));

  it('random receipts of mixed encodings, page switches, page mode and cancelled lines: the same warnings either way', () => {
    fc.assert(
      fc.property(jobArb, fc.constantFrom('CP437', 'WPC1252', 'UTF-8'), (bytes, codepage) => {
        for (const r of decode(bytes, { codepage })) {
          if (r.notReceipt) continue;
          const redecode = (raw: Uint8Array, page: string) => receiptTexts(decode(raw, { codepage: page, checkEncoding: false }));
          const full = suspectEncoding({ ...r, warnings: [] }, r.startCodepage, false, redecode);
          expect(r.warnings.filter((w) => w.code === 'suspect_encoding')).toEqual(full ? [full] : []);
        }
      }),
      { numRuns: 400 },
    );
  });
});

const receiptTexts = (rs: DecodedReceipt[]) => rs.map(receiptText).join('\n');

describe('7. DataMatrix, Aztec, MaxiCode, GS1 DataBar keep their payloads', () => {
  const store = (cn: number, data: string) => [GS, 0x28, 0x6b, (data.length + 3) & 0xff, (data.length + 3) >> 8, cn, 80, 48, ...Buffer.from(data, 'latin1')];
  const print = (cn: number) => [GS, 0x28, 0x6b, 3, 0, cn, 81, 48];

  it('each 2D code lands in codes with its type, QR and PDF417 too, in print order', () => {
    const bytes = job(
      INIT,
      'Codes\n',
      store(54, 'DM-INV-0042'),
      print(54),
      store(53, 'AZTEC 123'),
      print(53),
      store(50, 'MAXI'),
      print(50),
      store(51, '0100012345678905'),
      print(51),
      store(49, 'https://taxpoynt.example/r/1'),
      print(49),
      CUT,
    );
    const [r] = decodeBoth(bytes);
    expect(r?.codes).toEqual([
      { type: 'DataMatrix', value: 'DM-INV-0042' },
      { type: 'Aztec', value: 'AZTEC 123' },
      { type: 'MaxiCode', value: 'MAXI' },
      { type: 'GS1 DataBar', value: '0100012345678905' },
      { type: 'QR', value: 'https://taxpoynt.example/r/1' },
    ]);
    expect(r?.qr).toEqual(['https://taxpoynt.example/r/1']);
    expect(r?.warnings).toEqual([]);
  });

  it('a receipt that prints only a DataMatrix is still a receipt', () => {
    const rs = decodeBoth(job(INIT, store(54, 'ONLY'), print(54), CUT));
    expect(rs.map((r) => [r.end, r.codes])).toEqual([['cut', [{ type: 'DataMatrix', value: 'ONLY' }]]]);
  });
});

describe('8. the paper view wraps as the printer would', () => {
  const long = 'Item with a very long description that runs on  1,250.00';

  it('the parser keeps the logical line; the paper view wraps it at 32, 42 and 48 columns', () => {
    const [r] = decodeBoth(job(INIT, long, '\n', 'short\n', CUT));
    expect(r?.lines.map((l) => l.text)).toEqual([long, 'short']);
    expect(paperLines(r as DecodedReceipt, 48).map((l) => l.text)).toEqual([long.slice(0, 48), long.slice(48), 'short']);
    expect(paperLines(r as DecodedReceipt, 42).map((l) => l.text)).toEqual([long.slice(0, 42), long.slice(42), 'short']);
    expect(paperLines(r as DecodedReceipt, 32).map((l) => l.text)).toEqual([long.slice(0, 32), long.slice(32), 'short']);
  });

  it('double-width text and wide CJK characters take two columns', () => {
    const [r] = decodeBoth(job(INIT, [GS, 0x21, 0x10], 'TOTAL 12,345.00 NGN', '\n', [GS, 0x21, 0], CUT));
    expect(paperLines(r as DecodedReceipt, 32).map((l) => l.text)).toEqual(['TOTAL 12,345.00 ', 'NGN']);
    const cjk = paperLines({ lines: [{ text: '欢迎光临欢迎光临欢迎光临欢迎光临欢迎', style: { ...(r?.lines[0]?.style as object), doubleWidth: false } as never }] }, 32);
    expect(cjk.map((l) => l.text)).toEqual(['欢迎光临欢迎光临欢迎光临欢迎光临', '欢迎']);
  });
});
