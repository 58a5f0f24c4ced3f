// Reading one receipt line: the amount at its end, an item's quantity, price and tax marker, as a profile's number format says.
import type { Profile } from './profile.js';
import { MAX_KOBO, extend, milliFromQuantity, quantityDecimals, type Kobo, type Milli } from './money.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export interface AmountAtEnd {
  /** The line before the amount, trimmed. */
  head: string;
  kobo: Kobo;
  negative: boolean;
  /** A tax marker printed after the amount ("E", "Z", "*"), if any. */
  marker: string | null;
}

export type Category = 'standard' | 'zero' | 'exempt';

export interface ItemRead {
  description: string;
  quantity: Milli;
  /** As printed ("25.500"), for the rounding bound. */
  quantityText: string;
  unitPrice: Kobo;
  /** True when the unit price was printed, false when it is amount ÷ quantity. */
  unitPricePrinted: boolean;
  amount: Kobo;
  category: Category;
  /** The description came from the line above (two-line layout). */
  usedPrevious: boolean;
}

/** A profile's number reading, compiled once. */
export class NumberFormat {
  private readonly tail: RegExp;
  private readonly anywhere: RegExp;
  private readonly priceSource: string;
  private readonly markers: Map<string, Category>;
  private readonly marks: Set<string>;
  private readonly headMarker: RegExp | null;
  private readonly decimal: string;
  private readonly thousandChars: Set<number>;

  constructor(profile: Profile) {
    const n = profile.numbers;
    const d = escape(n.decimal);
    const t = n.thousands.map(escape).join('');
    const grouped = t ? `\\d{1,3}(?:[${t}]\\d{3})+(?:${d}\\d{1,2})?` : '(?!)';
    const decimal = `\\d+${d}\\d{2}`;
    const bare = '\\d+';
    const marks = [...n.currency_marks].sort((a, b) => b.length - a.length).map(escape).join('|') || '(?!)';
    const strict = `(?:${grouped}|${decimal})`;
    const loose = `(?:${grouped}|${decimal}|${bare})`;
    // With a currency mark a bare integer ("N500") is money; without one only if the profile says decimals are optional.
    const number = `(?:(?:${marks})\\s?-?\\s?${loose}|${n.decimals_required ? strict : loose})`;
    this.priceSource = `(?:${marks})?\\s?${n.decimals_required ? strict : loose}`;
    const all = [...profile.tax.markers.exempt.map((m) => [m, 'exempt'] as const), ...profile.tax.markers.zero.map((m) => [m, 'zero'] as const), ...profile.tax.markers.standard.map((m) => [m, 'standard'] as const)];
    this.markers = new Map(all.map(([m, c]) => [m.toUpperCase(), c]));
    this.marks = new Set(n.currency_marks.map((m) => m.toUpperCase()));
    const markerAlt = all.map(([m]) => m).sort((a, b) => b.length - a.length).map(escape).join('|');
    const marker = markerAlt ? `(?:\\s*(?<marker>${markerAlt}))?` : '';
    this.tail = new RegExp(`(?:^|(?<=[\\s:=]))(?<open>\\()?(?<sign>[-+])?\\s?(?<amount>${number})(?![\\d])(?<close>\\))?(?<trail>-|\\s?CR\\b)?(?:\\s?(?:${marks})(?![A-Za-z]))?${marker}\\s*$`, 'i');
    this.anywhere = new RegExp(`(?:^|(?<=[\\s:=@]))-?(?<amount>${number})(?![\\d.,]?\\d)`, 'gi');
    const letterMarkers = all.map(([m]) => m).filter((m) => m.length > 1 || /[A-Z]/i.test(m));
    this.headMarker = letterMarkers.length ? new RegExp(`\\s{2,}(?<marker>${letterMarkers.sort((a, b) => b.length - a.length).map(escape).join('|')})$`) : null;
    this.decimal = n.decimal;
    this.thousandChars = new Set(n.thousands.map((c) => c.charCodeAt(0)));
  }

  /** "₦1,250.50" → 125050 kobo; null if it is not an amount this profile reads. */
  kobo(text: string): Kobo | null {
    // By hand rather than by pattern: this runs for every amount on every receipt.
    const dec = this.decimal.charCodeAt(0);
    let whole = 0;
    let frac = -1;
    let fracDigits = 0;
    let seen = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch >= 48 && ch <= 57) {
        seen = true;
        if (frac < 0) whole = whole * 10 + (ch - 48);
        else if (fracDigits < 2) {
          frac = frac * 10 + (ch - 48);
          fracDigits++;
        } else return null;
      } else if (!seen) {
        continue; // currency mark, sign, spaces before the number
      } else if (ch === dec && frac < 0) {
        frac = 0;
      } else if (frac < 0 && this.thousandChars.has(ch)) {
        continue;
      } else {
        break;
      }
    }
    if (!seen) return null;
    const kobo = whole * 100 + (frac < 0 ? 0 : fracDigits === 1 ? frac * 10 : frac);
    return Number.isSafeInteger(kobo) && kobo <= MAX_KOBO ? kobo : null;
  }

  /** The amount a line ends with, and what comes before it. */
  amountAtEnd(line: string): AmountAtEnd | null {
    if (!this.mayEndWithAmount(line)) return null;
    const m = this.tail.exec(line);
    if (!m || !m.groups) return null;
    const kobo = this.kobo(m.groups.amount!);
    if (kobo === null) return null;
    if (Boolean(m.groups.open) !== Boolean(m.groups.close)) return null;
    const negative = Boolean(m.groups.sign === '-' || m.groups.open || m.groups.trail || /^\D*-/.test(m.groups.amount!));
    let head = line.slice(0, m.index).trim();
    let marker = m.groups.marker ?? null;
    if (!marker && this.headMarker) {
      const hm = this.headMarker.exec(head);
      if (hm?.groups) {
        marker = hm.groups.marker!;
        head = head.slice(0, hm.index).trim();
      }
    }
    return { head, kobo, negative, marker };
  }

  /** A cheap look at the line's end (a digit, ")", "-" or "CR", maybe then a marker) before the full pattern runs. */
  private mayEndWithAmount(line: string): boolean {
    let end = line.length;
    while (end > 0 && line.charCodeAt(end - 1) <= 32) end--;
    let space = line.lastIndexOf(' ', end - 1);
    let token = line.slice(space + 1, end).toUpperCase();
    if (this.marks.has(token) && !this.markers.has(token)) {
      // "7,525.00 NGN": the currency after the amount.
      end = space;
      while (end > 0 && line.charCodeAt(end - 1) <= 32) end--;
      space = line.lastIndexOf(' ', end - 1);
      token = line.slice(space + 1, end).toUpperCase();
    }
    if (this.markers.has(token)) {
      end = space;
      while (end > 0 && line.charCodeAt(end - 1) <= 32) end--;
    } else if (end >= 2 && this.markers.has(line[end - 1]!.toUpperCase())) {
      end--;
    }
    if (end <= 0) return false;
    const ch = line.charCodeAt(end - 1);
    return (ch >= 48 && ch <= 57) || ch === 41 || ch === 45 || ch === 82 || ch === 114;
  }

  /** Every amount in a text, left to right. */
  amountsIn(text: string): Kobo[] {
    const out: Kobo[] = [];
    for (const m of text.matchAll(this.anywhere)) {
      const k = this.kobo(m.groups!.amount!);
      if (k !== null) out.push(k);
    }
    return out;
  }

  category(marker: string | null): Category | null {
    if (!marker) return null;
    return this.markers.get(marker.toUpperCase()) ?? null;
  }

  /** A price token, as a regex source (no anchors). */
  get price(): string {
    return this.priceSource;
  }
}

/** The line above an item line, if it may be its description (asked lazily: most items never need it). */
export type Previous = () => string | null;

const QTY = '\\d{1,5}(?:[.,]\\d{1,3})?';
const UNIT = '(?:\\s?(?:pcs?|pkts?|kgs?|g|l|lt|ltrs?|litres?|liters?|ea|units?|ctns?|btls?|x)\\b\\.?)?';
const TIMES = '(?:[x×*@]|\\bat\\b)';

/** Compiled item patterns of one profile, most specific first. */
export class ItemReader {
  private readonly secondLine: RegExp;
  private readonly qtyOnly: RegExp;
  private readonly columns: RegExp;
  private readonly inlineTimes: RegExp;
  private readonly qtyFirst: RegExp;
  private readonly qtyPriceFirst: RegExp;
  private readonly trailingPrice: RegExp;
  private readonly trailingColumn: RegExp;
  private readonly descQty: RegExp;
  private readonly priceLast: RegExp;

  constructor(
    private readonly numbers: NumberFormat,
    private readonly profile: Profile,
  ) {
    const P = numbers.price;
    this.secondLine = new RegExp(`^(?<q>${QTY})(?<u>${UNIT})\\s*${TIMES}\\s*(?<p>${P})$`, 'i');
    this.qtyOnly = new RegExp(`^(?<q>${QTY})(?<u>${UNIT})$`, 'i');
    this.columns = new RegExp(`^(?<d>.*?\\S)\\s+(?<q>${QTY})(?<u>${UNIT})\\s+(?<p>${P})$`, 'i');
    this.inlineTimes = new RegExp(`^(?<d>.*?\\S)\\s+(?<q>${QTY})(?<u>${UNIT})\\s*${TIMES}\\s*(?<p>${P})$`, 'i');
    // "3 @ 6,500.00 Men Polo Shirt": quantity and unit price before the description.
    this.qtyPriceFirst = new RegExp(`^(?<q>${QTY})(?<u>${UNIT})\\s*${TIMES}\\s*(?<p>${P})\\s+(?<d>.*\\S)$`, 'i');
    this.qtyFirst = new RegExp(`^(?<q>\\d{1,4}(?:[.,]\\d{1,3})?)(?<u>${UNIT})\\s*[x×*]?\\s+(?<d>.*\\S)$`, 'i');
    this.trailingPrice = new RegExp(`^(?<d>.*?\\S)\\s*${TIMES}\\s*(?<p>${P})$`, 'i');
    // "2  Pepper Soup (Goat)   4,500.00  9,000.00": the unit price in its own column, before the amount.
    this.trailingColumn = new RegExp(`^(?<d>.*?[A-Za-z\\u00C0-\\u024F)].*?)\\s+(?<p>${P})$`, 'i');
    this.priceLast = new RegExp(`^(?<d>.*?[A-Za-z\\u00C0-\\u024F].*?)\\s+(?<q>${QTY})(?<u>${UNIT})\\s*${TIMES}$`, 'i');
    this.descQty = new RegExp(`^(?<d>.*?\\S)\\s{2,}(?<q>\\d{1,3})$`);
  }

  private build(desc: string, qtyText: string, priceText: string | null, amount: Kobo, previous: Previous | null): ItemRead | null {
    const quantity = milliFromQuantity(qtyText.replace(',', '.'));
    if (quantity === null || quantity === 0) return null;
    let usedPrevious = false;
    let description = desc.trim();
    if (!/\p{L}{2,}/u.test(description)) {
      const above = previous?.() ?? null;
      if (above === null) return null;
      description = above.trim();
      usedPrevious = true;
    }
    let unitPrice: Kobo;
    let printed = false;
    if (priceText !== null) {
      const p = this.numbers.kobo(priceText);
      if (p === null || !consistent(quantity, quantityDecimals(qtyText), p, amount)) return null;
      unitPrice = p;
      printed = true;
    } else {
      unitPrice = Math.round((amount * 1000) / quantity);
    }
    return { description, quantity, quantityText: qtyText, unitPrice, unitPricePrinted: printed, amount, category: 'standard', usedPrevious };
  }

  /** Reads an item from the text left of its amount; `previous` is the line above, for the two-line layout. */
  read(head: string, amount: Kobo, previous: Previous, raw: string): ItemRead | null {
    const cols = this.profile.items.columns;
    if (cols) return this.readColumns(raw, previous);
    let m = this.secondLine.exec(head);
    if (m?.groups) return this.build('', m.groups.q!, m.groups.p!, amount, previous);
    m = this.qtyOnly.exec(head);
    if (m?.groups && previous() !== null) return this.build('', m.groups.q!, null, amount, previous);
    for (const re of [this.inlineTimes, this.columns]) {
      m = re.exec(head);
      if (m?.groups) {
        const item = this.build(m.groups.d!, m.groups.q!, m.groups.p!, amount, previous);
        if (item) return item;
      }
    }
    // "desc  2 x" with the price as the line's number: the amount follows on the next line.
    m = /[x×*@]$|\bat$/i.test(head) ? this.priceLast.exec(head) : null;
    if (m?.groups) {
      const quantity = milliFromQuantity(m.groups.q!.replace(',', '.'));
      if (quantity) {
        const item = this.build(m.groups.d!, m.groups.q!, null, extend(quantity, amount), previous);
        if (item) return { ...item, unitPrice: amount, unitPricePrinted: true };
      }
    }
    m = this.qtyPriceFirst.exec(head);
    if (m?.groups) {
      const item = this.build(m.groups.d!, m.groups.q!, m.groups.p!, amount, previous);
      if (item) return item;
    }
    m = this.qtyFirst.exec(head);
    if (m?.groups) {
      const rest = m.groups.d!;
      for (const re of [this.trailingPrice, this.trailingColumn]) {
        const tp = re.exec(rest);
        if (tp?.groups) {
          const item = this.build(tp.groups.d!, m.groups.q!, tp.groups.p!, amount, previous);
          if (item) return item;
        }
      }
      const item = this.build(rest, m.groups.q!, null, amount, previous);
      if (item) return item;
    }
    m = this.descQty.exec(head);
    if (m?.groups) {
      const item = this.build(m.groups.d!, m.groups.q!, null, amount, previous);
      if (item) return item;
    }
    return this.build(head, '1', null, amount, null);
  }

  /** A profile's fixed columns: each field cut at its character positions. */
  private readColumns(raw: string, previous: Previous): ItemRead | null {
    const cols = this.profile.items.columns!;
    const cut = (span: readonly [number, number] | null): string | null => (span ? raw.slice(span[0], span[1]).trim() : null);
    const amountText = cut(cols.amount);
    if (!amountText) return null;
    const amount = this.numbers.kobo(amountText);
    if (amount === null) return null;
    const qty = cut(cols.quantity) || '1';
    const price = cut(cols.unit_price) || null;
    return this.build(cut(cols.description) ?? '', qty, price, amount, previous);
  }
}

/** qty × price = amount, within half a unit of the last printed quantity digit (pumps round litres, not naira). */
export function consistent(quantity: Milli, decimals: number, unitPrice: Kobo, amount: Kobo): boolean {
  const tolerance = decimals === 0 ? 1 : Math.max(1, Math.ceil((unitPrice * 0.5) / 10 ** decimals));
  return Math.abs(extend(quantity, unitPrice) - amount) <= tolerance;
}
