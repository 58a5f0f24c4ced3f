// How numbers, money, times and states read on screen (en-NG, naira, relative ages).
import type { OverallState, ReceiptState } from '../../preload/api';
import type { Tone } from './components/ui';

const naira = new Intl.NumberFormat('en-NG', { style: 'currency', currency: 'NGN', minimumFractionDigits: 2 });
export function money(text: string | null | undefined): string {
  if (text == null) return '—';
  const n = Number(text);
  return Number.isFinite(n) ? naira.format(n) : text;
}
const count = new Intl.NumberFormat('en-NG');
export function num(n: number): string {
  return count.format(n);
}
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
/** A short time for tables: the time alone today, else the day and time. */
export function shortWhen(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay ? d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : d.toLocaleString('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });
}
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  return s < 0 ? `in ${duration(-s)}` : `${duration(s)} ago`;
}
export function duration(s: number): string {
  if (s < 60) return `${Math.max(0, Math.round(s))}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
export const STATE_LABEL: Record<ReceiptState, string> = {
  pending: 'Waiting to send',
  in_flight: 'Sending',
  accepted: 'Accepted',
  duplicate: 'Already sent',
  rejected: 'Rejected',
  review: 'Needs review',
  unparsed: 'Could not read',
  reading: 'Reading picture',
};
export const STATE_TONE: Record<ReceiptState, Tone> = {
  pending: 'blue',
  in_flight: 'cyan',
  accepted: 'green',
  duplicate: 'slate',
  rejected: 'red',
  review: 'amber',
  unparsed: 'red',
  reading: 'cyan',
};
export const KIND_LABEL = { serial_tap: 'Serial tap', virtual_printer: 'Virtual printer', hid: 'HID device', ecr_serial: 'Card terminal (ECR)' } as const;

export const OVERALL: Record<OverallState, { label: string; tone: Tone }> = {
  starting: { label: 'Starting', tone: 'slate' },
  ok: { label: 'All good', tone: 'green' },
  attention: { label: 'Needs attention', tone: 'amber' },
  offline: { label: 'Offline', tone: 'red' },
  paused: { label: 'Paused', tone: 'slate' },
  restarting: { label: 'Restarting', tone: 'cyan' },
};
