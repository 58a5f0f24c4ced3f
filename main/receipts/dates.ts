// Dates and times as Nigerian receipts print them (day first by default), to ISO 8601 with the profile's UTC offset.

export interface DateParts {
  y: number;
  m: number;
  d: number;
}

export interface TimeParts {
  h: number;
  min: number;
  s: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MON = '(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?';

const NUMERIC = /(?<![\d.,])(\d{1,4})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d.,]?\d)/;
const DAY_MON_YEAR = new RegExp(`(?<!\\d)(\\d{1,2})(?:st|nd|rd|th)?[\\s/.-]*${MON}[\\s,/.-]*(\\d{4}|\\d{2})(?!\\d)`, 'i');
const MON_DAY_YEAR = new RegExp(`\\b${MON}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?!\\d)`, 'i');
const TIME = /(?<![\d:.,])([01]?\d|2[0-3])([:.h])([0-5]\d)(?:[:.]([0-5]\d))?(?![\d.,])\s*([ap]\.?\s?m\b\.?)?/i;

function valid(p: DateParts): DateParts | null {
  if (p.m < 1 || p.m > 12 || p.d < 1 || p.y < 1990 || p.y > 2199) return null;
  const days = new Date(Date.UTC(p.y, p.m, 0)).getUTCDate();
  return p.d <= days ? p : null;
}

function fullYear(text: string): number {
  const n = Number(text);
  return text.length === 2 ? 2000 + n : n;
}

export interface FoundDate {
  date: DateParts;
  /** Where the date text sits in the line, so the time is looked for around it. */
  index: number;
  length: number;
}

/** The first date in a line, read in the profile's order for all-digit dates ('dmy' for Nigeria). */
export function findDate(text: string, order: 'dmy' | 'mdy' | 'ymd'): FoundDate | null {
  const n = NUMERIC.exec(text);
  if (n) {
    const a = n[1]!;
    const b = Number(n[3]);
    const c = n[4]!;
    let date: DateParts | null = null;
    if (a.length === 4) {
      date = valid({ y: Number(a), m: b, d: Number(c) });
    } else if (c.length === 4 || c.length === 2) {
      const first = Number(a);
      const y = fullYear(c);
      const primary = order === 'mdy' ? { y, m: first, d: b } : { y, m: b, d: first };
      // A date impossible in the profile's order but valid the other way round (13/…/… or …/13/…) can only be that.
      const other = order === 'mdy' ? { y, m: b, d: first } : { y, m: first, d: b };
      date = valid(primary) ?? valid(other);
    }
    if (date) return { date, index: n.index, length: n[0].length };
  }
  const dmy = DAY_MON_YEAR.exec(text);
  if (dmy) {
    const date = valid({ y: fullYear(dmy[3]!), m: MONTHS.indexOf(dmy[2]!.slice(0, 3).toLowerCase()) + 1, d: Number(dmy[1]) });
    if (date) return { date, index: dmy.index, length: dmy[0].length };
  }
  const mdy = MON_DAY_YEAR.exec(text);
  if (mdy) {
    const date = valid({ y: Number(mdy[3]), m: MONTHS.indexOf(mdy[1]!.slice(0, 3).toLowerCase()) + 1, d: Number(mdy[2]) });
    if (date) return { date, index: mdy.index, length: mdy[0].length };
  }
  return null;
}

/** The first time of day in a text ("13:45", "1:45 PM", "13:45:07"). */
export function findTime(text: string): TimeParts | null {
  const t = TIME.exec(text);
  if (!t) return null;
  let h = Number(t[1]);
  const ampm = t[5]?.toLowerCase().replace(/[.\s]/g, '');
  if (ampm) {
    if (h < 1 || h > 12) return null;
    if (ampm === 'pm' && h < 12) h += 12;
    if (ampm === 'am' && h === 12) h = 0;
  } else if (t[2] !== ':' && !t[4]) {
    // "13.45" alone is more often an amount than a time: only with a seconds part or am/pm.
    return null;
  }
  return { h, min: Number(t[3]), s: t[4] ? Number(t[4]) : 0 };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** "2026-11-24T13:45:00+01:00". */
export function isoDateTime(date: DateParts, time: TimeParts | null, offset: string): string {
  const t = time ?? { h: 0, min: 0, s: 0 };
  return `${pad(date.y, 4)}-${pad(date.m)}-${pad(date.d)}T${pad(t.h)}:${pad(t.min)}:${pad(t.s)}${offset}`;
}
