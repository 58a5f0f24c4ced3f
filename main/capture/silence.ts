// Silence alert: a device that sends nothing for too long inside business hours (local time) is flagged.
import type { SilenceAlert } from './config.js';

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** Whether `at` falls in business hours; a range like "20:00-02:00" runs past midnight. */
export function inBusinessHours(rule: SilenceAlert, at: Date, tzOffsetMinutes: number): boolean {
  const local = new Date(at.getTime() + tzOffsetMinutes * 60_000);
  const day = local.getUTCDay();
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  const [from, to] = rule.business_hours.split('-').map(minutesOf) as [number, number];
  if (from <= to) return rule.days.includes(day) && minute >= from && minute < to;
  // Overnight: the part after midnight belongs to the previous day's opening.
  if (minute >= from) return rule.days.includes(day);
  return minute < to && rule.days.includes((day + 6) % 7);
}

/** When the business period containing `at` opened (epoch ms), assuming `at` is in business hours. */
function openedAt(rule: SilenceAlert, at: number, tzOffsetMinutes: number): number {
  const local = new Date(at + tzOffsetMinutes * 60_000);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  const from = minutesOf(rule.business_hours.split('-')[0]!);
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - tzOffsetMinutes * 60_000;
  const dayStart = minute >= from ? midnight : midnight - 24 * 3600_000;
  return dayStart + from * 60_000;
}

/**
 * The moment the device became silent, or null. Only business-hours time counts: before the first
 * sale of the day the silence runs from opening time, not from last night's last receipt.
 */
export function silentSince(rule: SilenceAlert | false, lastDataMs: number, nowMs: number, tzOffsetMinutes: number): string | null {
  if (rule === false) return null;
  if (!inBusinessHours(rule, new Date(nowMs), tzOffsetMinutes)) return null;
  const from = Math.max(lastDataMs, openedAt(rule, nowMs, tzOffsetMinutes));
  const limit = rule.after_minutes * 60_000;
  if (nowMs - from < limit) return null;
  return new Date(from + limit).toISOString();
}

export function localTzOffsetMinutes(): number {
  return -new Date().getTimezoneOffset();
}
