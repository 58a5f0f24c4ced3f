// The virtual POS's printer driver: a ReceiptSpec (the truth) rendered as realistic ESC/POS bytes in several Nigerian shop layouts.
import iconv from 'iconv-lite';

/** Kobo: integer money. */
type Kobo = number;

export const RECEIPT_LAYOUTS = ['supermarket', 'restaurant', 'fuel', 'pharmacy', 'two-line', 'columns', 'refund'] as const;
export type ReceiptLayout = (typeof RECEIPT_LAYOUTS)[number];

export interface SpecLine {
  description: string;
  /** Decimal string, up to three places ("2", "25.5"). */
  quantity: string;
  unitPrice: Kobo;
  amount: Kobo;
  category: 'standard' | 'zero' | 'exempt';
  /** Printed after the quantity ("L" for litres). */
  unit?: string;
}

export interface SpecTax {
  /** Thousandths of a percent: 7.5 % is 7500. */
  rate: number;
  taxable: Kobo;
  amount: Kobo;
}

export interface SpecPayment {
  method: 'cash' | 'card' | 'transfer' | 'mobile_money';
  /** What the payment settled (cash: tendered less change). */
  amount: Kobo;
  /** Cash handed over, when more than `amount`. */
  tendered?: Kobo;
  /** The card number the terminal reported; printed masked or in full (old POS software), never parsed back in full. */
  pan?: string;
  panPrinted?: 'masked' | 'full';
}

export interface ReceiptSpec {
  layout: ReceiptLayout;
  width: 32 | 42 | 48;
  codepage: 'CP437' | 'CP858' | 'WPC1252';
  /** Printed before amounts on the total line. */
  currencyMark: '' | 'N' | 'NGN';
  dateStyle: 'dd/mm/yyyy' | 'dd-mm-yyyy' | 'dd-MMM-yyyy' | 'dd.mm.yy' | 'yyyy-mm-dd';
  shop: { name: string; address: string; phone: string; tin: string };
  receiptNumber: string;
  /** Local time in Lagos (WAT, +01:00). */
  issuedAt: { y: number; m: number; d: number; h: number; min: number; s: number };
  documentType: 'sale' | 'refund';
  cashier: string;
  lines: SpecLine[];
  subtotal: Kobo;
  discount: Kobo;
  serviceCharge: SpecTax | null;
  vat: SpecTax | null;
  consumptionTax: SpecTax | null;
  /** Prices printed with VAT in them ("VAT 7.5% incl."): `vat.taxable` is then net of it, and the total does not add it. */
  taxInclusive?: boolean;
  /** A tip or gratuity, after the taxes. */
  tip?: Kobo;
  /** The till's rounding of the total to the naira, either sign. */
  rounding?: Kobo;
  total: Kobo;
  payments: SpecPayment[];
}

const ESC = 0x1b;
const GS = 0x1d;
const ESC_T: Record<ReceiptSpec['codepage'], number> = { CP437: 0, CP858: 19, WPC1252: 16 };
const ICONV: Record<ReceiptSpec['codepage'], string> = { CP437: 'cp437', CP858: 'cp858', WPC1252: 'windows-1252' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "12,500.00". */
export function money(kobo: Kobo): string {
  const naira = Math.floor(Math.abs(kobo) / 100).toLocaleString('en-US');
  return `${kobo < 0 ? '-' : ''}${naira}.${String(Math.abs(kobo) % 100).padStart(2, '0')}`;
}

function rateText(rate: number): string {
  return String(rate / 1000);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function dateText(spec: ReceiptSpec): string {
  const { y, m, d } = spec.issuedAt;
  switch (spec.dateStyle) {
    case 'dd-mm-yyyy':
      return `${pad2(d)}-${pad2(m)}-${y}`;
    case 'dd-MMM-yyyy':
      return `${pad2(d)}-${MONTHS[m - 1]}-${y}`;
    case 'dd.mm.yy':
      return `${pad2(d)}.${pad2(m)}.${String(y).slice(2)}`;
    case 'yyyy-mm-dd':
      return `${y}-${pad2(m)}-${pad2(d)}`;
    default:
      return `${pad2(d)}/${pad2(m)}/${y}`;
  }
}

/** ESC/POS byte builder: commands and code-page text. */
class Job {
  private readonly parts: Uint8Array[] = [];
  constructor(private readonly codepage: ReceiptSpec['codepage']) {}
  cmd(...bytes: number[]): this {
    this.parts.push(Uint8Array.from(bytes));
    return this;
  }
  text(s: string): this {
    this.parts.push(iconv.encode(s, ICONV[this.codepage]));
    return this;
  }
  line(s = ''): this {
    return this.text(s).cmd(0x0a);
  }
  align(a: 'left' | 'center' | 'right'): this {
    return this.cmd(ESC, 0x61, a === 'left' ? 0 : a === 'center' ? 1 : 2);
  }
  bold(on: boolean): this {
    return this.cmd(ESC, 0x45, on ? 1 : 0);
  }
  size(w: number, h: number): this {
    return this.cmd(GS, 0x21, ((w - 1) << 4) | (h - 1));
  }
  qr(data: string): this {
    const bytes = Buffer.from(data, 'ascii');
    const len = bytes.length + 3;
    this.cmd(GS, 0x28, 0x6b, 4, 0, 49, 65, 50, 0); // fn 165: model 2
    this.cmd(GS, 0x28, 0x6b, 3, 0, 49, 67, 5); // fn 167: module size
    this.cmd(GS, 0x28, 0x6b, 3, 0, 49, 69, 49); // fn 169: error correction M
    this.cmd(GS, 0x28, 0x6b, len & 0xff, len >> 8, 49, 80, 48);
    this.parts.push(bytes);
    return this.cmd(GS, 0x28, 0x6b, 3, 0, 49, 81, 48); // fn 181: print
  }
  bytes(): Uint8Array {
    return Uint8Array.from(Buffer.concat(this.parts));
  }
}

/** Label on the left, value on the right, in `width` columns. */
function lr(left: string, right: string, width: number): string {
  const room = width - right.length - 1;
  const l = left.length > room ? left.slice(0, Math.max(1, room)) : left;
  return l + ' '.repeat(Math.max(1, width - l.length - right.length)) + right;
}

function cols(fields: Array<[string, number, 'l' | 'r']>): string {
  // Right-aligned fields keep one space before them even when they overflow, as real drivers do.
  return fields.map(([t, w, a]) => (a === 'l' ? (t.length > w ? t.slice(0, w) : t.padEnd(w)) : (' ' + t).padStart(w))).join('');
}

const marker = (l: SpecLine): string => (l.category === 'exempt' ? ' E' : l.category === 'zero' ? ' Z' : '');

function header(job: Job, spec: ReceiptSpec, W: number): void {
  job.cmd(ESC, 0x40).cmd(ESC, 0x74, ESC_T[spec.codepage]);
  job.align('center').bold(true).size(2, 2).line(spec.shop.name.slice(0, W / 2)).size(1, 1).bold(false);
  job.line(spec.shop.address.slice(0, W)).line(`Tel: ${spec.shop.phone}`).line(`TIN: ${spec.shop.tin}`);
  if (spec.documentType === 'refund') job.bold(true).line('*** REFUND ***').bold(false);
  job.align('left');
  const when = `${dateText(spec)} ${pad2(spec.issuedAt.h)}:${pad2(spec.issuedAt.min)}`;
  const label = spec.layout === 'restaurant' ? 'Bill No' : spec.layout === 'pharmacy' ? 'Invoice No' : 'Receipt No';
  const no = `${label}: ${spec.receiptNumber}`;
  if (no.length + when.length + 7 <= W) {
    job.line(lr(no, `Date: ${when}`, W));
  } else {
    job.line(`${label}: ${spec.receiptNumber}`).line(`Date: ${when}`);
  }
  job.line(spec.layout === 'restaurant' ? `Server: ${spec.cashier}  Table: 7` : `Cashier: ${spec.cashier}`);
  if (spec.layout === 'fuel') job.line('Pump: 03   Nozzle: 1');
  if (spec.layout === 'refund') job.line(`Orig Rcpt: ${String(Number(spec.receiptNumber.replace(/\D/g, '')) - 17).padStart(6, '0')}`);
  job.line('-'.repeat(W));
}

function items(job: Job, spec: ReceiptSpec, W: number, style: 'single' | 'two-line' | 'columns' | 'fuel'): void {
  if (style === 'columns') {
    const q = 5;
    const p = W >= 42 ? 11 : 9;
    const a = W >= 42 ? 12 : 10;
    const d = W - q - p - a;
    job.bold(true).line(cols([['ITEM', d, 'l'], ['QTY', q, 'r'], ['PRICE', p, 'r'], ['AMOUNT', a, 'r']])).bold(false);
    for (const l of spec.lines) {
      job.line(cols([[l.description, d - 1, 'l'], [' ', 1, 'l'], [l.quantity, q, 'r'], [money(l.unitPrice), p, 'r'], [money(l.amount), a, 'r']]) + marker(l));
    }
  } else if (style === 'two-line' || style === 'fuel') {
    for (const l of spec.lines) {
      job.line(l.description.slice(0, W));
      const qty = l.unit ? `${Number(l.quantity).toFixed(3)} ${l.unit}` : l.quantity;
      job.line(lr(`  ${qty} x ${money(l.unitPrice)}`, money(l.amount) + marker(l), W));
    }
  } else {
    for (const l of spec.lines) job.line(lr(`${l.quantity} ${l.description}`, money(l.amount) + marker(l), W));
  }
  job.line('-'.repeat(W));
}

function summary(job: Job, spec: ReceiptSpec, W: number): void {
  const cur = spec.currencyMark ? spec.currencyMark + (spec.currencyMark === 'N' ? '' : ' ') : '';
  const sign = spec.documentType === 'refund' ? '-' : '';
  job.line(lr('SUBTOTAL', sign + money(spec.subtotal), W));
  if (spec.discount) job.line(lr('DISCOUNT', '-' + money(spec.discount), W));
  if (spec.serviceCharge) job.line(lr(`Service Charge ${rateText(spec.serviceCharge.rate)}%`, money(spec.serviceCharge.amount), W));
  if (spec.vat && !spec.taxInclusive) job.line(lr(`VAT ${rateText(spec.vat.rate)}%`, sign + money(spec.vat.amount), W));
  if (spec.consumptionTax) job.line(lr(`Consumption Tax ${rateText(spec.consumptionTax.rate)}%`, money(spec.consumptionTax.amount), W));
  if (spec.tip) job.line(lr(spec.layout === 'restaurant' ? 'Gratuity' : 'Tip', money(spec.tip), W));
  if (spec.rounding) job.line(lr('Rounding', (spec.rounding > 0 ? '+' : '') + money(spec.rounding), W));
  const totalLabel = spec.documentType === 'refund' ? 'REFUND TOTAL' : spec.layout === 'restaurant' ? 'AMOUNT DUE' : spec.layout === 'fuel' ? 'TOTAL NGN' : 'TOTAL';
  job.bold(true).size(1, 2).line(lr(totalLabel, sign + (spec.layout === 'fuel' ? '' : cur) + money(spec.total), W)).size(1, 1).bold(false);
  if (spec.vat && spec.taxInclusive) job.line(lr(`VAT ${rateText(spec.vat.rate)}% incl.`, sign + money(spec.vat.amount), W));
  let change = 0;
  for (const p of spec.payments) {
    const label = { cash: spec.documentType === 'refund' ? 'CASH REFUND' : 'CASH', card: 'CARD', transfer: 'BANK TRANSFER', mobile_money: 'OPAY WALLET' }[p.method];
    job.line(lr(label, money(p.tendered ?? p.amount), W));
    if (p.tendered) change += p.tendered - p.amount;
    if (p.pan) {
      const shown = p.panPrinted === 'full' ? p.pan.replace(/(\d{4})(?=\d)/g, '$1 ') : `**** **** **** ${p.pan.slice(-4)}`;
      job.line(`  Card: ${shown}`);
    }
  }
  if (change) job.line(lr('CHANGE', money(change), W));
  job.line('-'.repeat(W));
}

function footer(job: Job, spec: ReceiptSpec): void {
  job.align('center');
  if (spec.lines.some((l) => l.category === 'exempt')) job.line('E = VAT exempt');
  if (spec.lines.some((l) => l.category === 'zero')) job.line('Z = zero-rated');
  job.line('Thank you for your patronage!').line('Goods sold are not returnable');
  job.qr(`https://verify.taxpoynt.com/r/${encodeURIComponent(spec.receiptNumber)}`);
  job.cmd(0x0a).cmd(ESC, 0x64, 3).cmd(GS, 0x56, 66, 0);
}

/** The receipt as ESC/POS bytes, in one of RECEIPT_LAYOUTS (defaults to the spec's own). */
export function printReceipt(spec: ReceiptSpec, layout: string = spec.layout): Uint8Array {
  if (!(RECEIPT_LAYOUTS as readonly string[]).includes(layout)) throw new Error(`unknown receipt layout "${layout}" (known: ${RECEIPT_LAYOUTS.join(', ')})`);
  const W = spec.width;
  const job = new Job(spec.codepage);
  const s = { ...spec, layout: layout as ReceiptLayout };
  header(job, s, W);
  const style = layout === 'two-line' || layout === 'pharmacy' ? 'two-line' : layout === 'columns' || layout === 'restaurant' ? 'columns' : layout === 'fuel' ? 'fuel' : 'single';
  items(job, s, W, style);
  summary(job, s, W);
  footer(job, s);
  return job.bytes();
}

// ---- random specs -------------------------------------------------------------------------------

const SHOPS: Record<ReceiptLayout, string[]> = {
  supermarket: ['GRACELAND MART', 'SPAR IKEJA', 'JUSTRITE STORES', 'BUYRITE SUPERMARKET'],
  restaurant: ['MAMA CASS KITCHEN', 'CAFÉ NEO VI', 'YELLOW CHILLI', 'BUKKA HUT'],
  fuel: ['ARDOVA PLC MAGODO', 'NNPC RETAIL OBALENDE', 'CONOIL AJAH'],
  pharmacy: ['HEALTHPLUS PHARMACY', 'MEDPLUS LEKKI', 'ALPHA PHARMACY'],
  'two-line': ['PRINCE EBEANO', 'HUBMART IKOYI', 'ADDIDE STORES'],
  columns: ['MARKET SQUARE', 'FOODCO IBADAN', 'SHOPRITE JABI'],
  refund: ['GAME STORES', 'SLOT IKEJA', 'JUMIA PICKUP LEKKI'],
};
const PRODUCTS: Record<'grocery' | 'food' | 'drug' | 'cosmetic' | 'lube' | 'phone', string[]> = {
  grocery: ['Golden Penny Semovita 1kg', 'Indomie Chicken 70g', 'Peak Milk 400g', 'Coke 50cl', 'Dangote Sugar 500g', 'Kings Oil 1L', 'Mama Gold Rice 5kg', 'Milo 500g', 'Bread Sliced', 'Eva Water 75cl'],
  food: ['Jollof Rice', 'Pounded Yam & Egusi', 'Chicken Suya', 'Pepper Soup Goat', 'Chapman', 'Fried Plantain', 'Asun', 'Small Chops Platter'],
  drug: ['Paracetamol 500mg x10', 'Amoxicillin 500mg', 'Vitamin C 1000mg', 'Coartem 80/480', 'ORS Sachet', 'Ibuprofen 400mg'],
  cosmetic: ['Nivea Lotion 400ml', 'Dettol Soap 175g', 'Colgate 140g', 'Hand Sanitizer 500ml'],
  lube: ['Engine Oil 4L', 'Brake Fluid 500ml', 'Coolant 1L'],
  phone: ['Tecno Spark 20', 'Itel Earbuds', 'Oraimo Powerbank', 'USB-C Cable'],
};
const CASHIERS = ['Ada', 'Tunde', 'Chioma', 'Musa', 'Bisi', 'Emeka'];

const pick = <T>(rng: () => number, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
const int = (rng: () => number, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const applyRate = (base: Kobo, rate: number): Kobo => Math.round((base * rate) / 100_000);
/** The VAT that VAT-inclusive prices contain. */
const contained = (gross: Kobo, rate: number): Kobo => Math.round((gross * rate) / (100_000 + rate));

/** A card number that passes Luhn (so the masking must catch it). */
function randomPan(rng: () => number): string {
  const digits = [pick(rng, [4, 5]), ...Array.from({ length: 14 }, () => int(rng, 0, 9))];
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits[digits.length - 1 - i]!;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.join('') + String((10 - (sum % 10)) % 10);
}

/** A random, self-consistent receipt (amounts, VAT and payments add up), with the layout that suits it. */
export function randomReceiptSpec(rng: () => number): ReceiptSpec {
  const layout = pick(rng, RECEIPT_LAYOUTS);
  const width = layout === 'columns' || layout === 'restaurant' ? pick(rng, [42, 48] as const) : pick(rng, [32, 42, 48] as const);
  const n = layout === 'fuel' ? int(rng, 1, 2) : int(rng, 1, 7);
  const lines: SpecLine[] = [];
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    let description: string;
    let category: SpecLine['category'] = 'standard';
    let quantity: string;
    let unitPrice: Kobo;
    let unit: string | undefined;
    if (layout === 'fuel' && i === 0) {
      description = pick(rng, ['PMS (Petrol)', 'AGO (Diesel)']);
      category = 'exempt';
      const milli = int(rng, 5000, 80000);
      quantity = String(milli / 1000);
      unitPrice = int(rng, 600, 1200) * 100;
      unit = 'L';
    } else {
      const kind = layout === 'restaurant' ? 'food' : layout === 'pharmacy' ? pick(rng, ['drug', 'drug', 'cosmetic'] as const) : layout === 'fuel' ? 'lube' : layout === 'refund' ? pick(rng, ['phone', 'grocery'] as const) : 'grocery';
      description = pick(rng, PRODUCTS[kind]);
      if (kind === 'drug') category = 'exempt';
      quantity = String(int(rng, 1, layout === 'refund' ? 2 : 6));
      unitPrice = int(rng, 2, 900) * 50 + (rng() < 0.2 ? int(rng, 1, 49) : 0);
      if (kind === 'phone') unitPrice *= 40;
    }
    if (used.has(description)) continue;
    used.add(description);
    const amount = Math.round((Math.round(Number(quantity) * 1000) * unitPrice) / 1000);
    lines.push({ description, quantity, unitPrice, amount, category, ...(unit ? { unit } : {}) });
  }
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  const standard = lines.filter((l) => l.category === 'standard').reduce((s, l) => s + l.amount, 0);
  const discount = layout === 'supermarket' && rng() < 0.3 ? Math.min(Math.floor(standard / 200) * 100, int(rng, 1, 20) * 5000) : 0;
  const serviceCharge = layout === 'restaurant' ? { rate: 10_000, taxable: subtotal, amount: applyRate(subtotal, 10_000) } : null;
  const vatBase = standard - discount + (serviceCharge?.amount ?? 0);
  // Shelf prices with VAT in them, as many supermarkets print ("VAT 7.5% incl."): the VAT is inside, not added.
  const taxInclusive = (layout === 'supermarket' || layout === 'two-line' || layout === 'columns') && vatBase > 0 && rng() < 0.3;
  const inclusiveVat = contained(vatBase, 7500);
  const vat = vatBase <= 0 ? null : taxInclusive ? { rate: 7500, taxable: vatBase - inclusiveVat, amount: inclusiveVat } : { rate: 7500, taxable: vatBase, amount: applyRate(vatBase, 7500) };
  const consumptionTax = layout === 'restaurant' ? { rate: 5000, taxable: subtotal, amount: applyRate(subtotal, 5000) } : null;
  const tip = layout === 'restaurant' && rng() < 0.4 ? int(rng, 1, 20) * 10_000 : 0;
  const beforeRounding = subtotal - discount + (serviceCharge?.amount ?? 0) + (taxInclusive ? 0 : (vat?.amount ?? 0)) + (consumptionTax?.amount ?? 0) + tip;
  const kobo = beforeRounding % 100;
  const rounding = layout !== 'refund' && kobo !== 0 && rng() < 0.3 ? (kobo < 50 ? -kobo : 100 - kobo) : 0;
  const total = beforeRounding + rounding;

  const payments: SpecPayment[] = [];
  const how = layout === 'refund' ? 'cash' : pick(rng, ['cash', 'card', 'transfer', 'mobile_money', 'split'] as const);
  if (how === 'cash') {
    const step = pick(rng, [50000, 100000, 500000]);
    const tendered = layout === 'refund' ? total : Math.ceil(total / step) * step;
    payments.push({ method: 'cash', amount: total, ...(tendered > total ? { tendered } : {}) });
  } else if (how === 'split' && total > 200) {
    const cash = Math.floor(total / 200) * 100;
    payments.push({ method: 'cash', amount: cash });
    payments.push({ method: 'card', amount: total - cash, pan: randomPan(rng), panPrinted: pick(rng, ['masked', 'full'] as const) });
  } else if (how === 'card' || how === 'split') {
    payments.push({ method: 'card', amount: total, pan: randomPan(rng), panPrinted: pick(rng, ['masked', 'full'] as const) });
  } else {
    payments.push({ method: how, amount: total });
  }

  const issuedAt = { y: int(rng, 2025, 2027), m: int(rng, 1, 12), d: int(rng, 1, 28), h: int(rng, 7, 22), min: int(rng, 0, 59), s: 0 };
  return {
    layout,
    width,
    codepage: pick(rng, ['CP437', 'CP858', 'WPC1252'] as const),
    currencyMark: pick(rng, ['', 'N', 'NGN'] as const),
    dateStyle: pick(rng, ['dd/mm/yyyy', 'dd-mm-yyyy', 'dd-MMM-yyyy', 'dd.mm.yy', 'yyyy-mm-dd'] as const),
    shop: { name: pick(rng, SHOPS[layout]), address: pick(rng, ['12 Allen Avenue, Ikeja', '3 Admiralty Way, Lekki', 'Plot 5 Wuse II, Abuja', '21 Ring Road, Ibadan']), phone: `080${int(rng, 10000000, 99999999)}`, tin: `${int(rng, 10000000, 99999999)}-0001` },
    receiptNumber: `${pick(rng, ['', 'R', 'INV-'])}${String(int(rng, 1, 999999)).padStart(6, '0')}`,
    issuedAt,
    documentType: layout === 'refund' ? 'refund' : 'sale',
    cashier: pick(rng, CASHIERS),
    lines,
    subtotal,
    discount,
    serviceCharge,
    vat,
    consumptionTax,
    ...(taxInclusive ? { taxInclusive } : {}),
    ...(tip ? { tip } : {}),
    ...(rounding ? { rounding } : {}),
    total,
    payments,
  };
}
