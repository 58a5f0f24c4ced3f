// The tray as the engine decides it: state and icon, tooltip, menu items, and what quitting would break (the shell only draws it).
import { join } from 'node:path';
import type { StatusView } from '../../preload/api.js';

export const TRAY_STATES = ['ok', 'attention', 'offline', 'paused', 'restarting'] as const;
export type TrayState = (typeof TRAY_STATES)[number];

export type TrayAction = 'open' | 'pause' | 'sync' | 'pair' | 'install' | 'quit';

export interface TrayMenuItem {
  id: TrayAction | 'separator';
  label: string;
  enabled: boolean;
  /** Only for the pause item: ticked while capture is paused. */
  checked?: boolean;
  type: 'normal' | 'checkbox' | 'separator';
}

export interface TrayModel {
  state: TrayState;
  tooltip: string;
  menu: TrayMenuItem[];
}

export interface QuitConfirmation {
  title: string;
  message: string;
  /** Each consequence in a sentence; empty when quitting breaks nothing. */
  consequences: string[];
  buttons: [quit: string, cancel: string];
  /** The safe choice is the default. */
  defaultId: 1;
  cancelId: 1;
}

const PRODUCT = 'TaxPoynt POS Bridge';
/** Windows truncates tray tooltips at 127 characters. */
const TOOLTIP_MAX = 127;

export function trayState(status: StatusView | null): TrayState {
  if (!status) return 'restarting';
  switch (status.state) {
    case 'starting':
    case 'restarting':
      return 'restarting';
    default:
      return status.state;
  }
}

export function trayTooltip(status: StatusView | null): string {
  const text = status ? `${PRODUCT}: ${status.headline}` : `${PRODUCT}: starting…`;
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`;
}

export function trayModel(status: StatusView | null): TrayModel {
  const state = trayState(status);
  const up = status !== null && state !== 'restarting';
  const paired = status?.cloud.paired ?? false;
  const lost = status?.cloud.state === 'pairing_lost';
  const paused = status?.capturePaused ?? false;
  const pending = status?.outbox.pending ?? 0;
  const ready = status?.update?.downloadedVersion ?? null;
  const installing = status?.update?.state === 'installing';
  // Only once a version is downloaded: "Restart to update to X" (update.install).
  const update: TrayMenuItem[] = ready ? [{ id: 'install', label: installing ? `Restarting to update to ${ready}…` : `Restart to update to ${ready}`, enabled: up && !installing, type: 'normal' }] : [];
  return {
    state,
    tooltip: trayTooltip(status),
    menu: [
      { id: 'open', label: `Open ${PRODUCT}`, enabled: true, type: 'normal' },
      { id: 'separator', label: '', enabled: true, type: 'separator' },
      { id: 'pause', label: 'Pause capture', enabled: up, checked: paused, type: 'checkbox' },
      { id: 'sync', label: pending > 0 ? `Sync now (${pending} waiting)` : 'Sync now', enabled: up && paired, type: 'normal' },
      { id: 'pair', label: lost ? 'Pairing lost: pair again…' : paired ? `Paired with ${status?.cloud.business?.name ?? 'TaxPoynt'}` : 'Pair with TaxPoynt…', enabled: up && (!paired || lost), type: 'normal' },
      { id: 'separator', label: '', enabled: true, type: 'separator' },
      ...update,
      { id: 'quit', label: 'Quit', enabled: true, type: 'normal' },
    ],
  };
}

/** What quitting would stop, said plainly: the till's printing through a virtual printer, receipts not sent yet, capture itself. */
export function quitConfirmation(status: StatusView | null): QuitConfirmation {
  const consequences: string[] = [];
  for (const d of status?.devices ?? []) {
    if (d.kind !== 'virtual_printer') continue;
    consequences.push(
      d.passThrough === 'none'
        ? `The till prints to this bridge (${d.id}): while it is closed the till's print jobs will fail.`
        : `The till prints through this bridge (${d.id}): quitting stops the till's printing until the bridge runs again.`,
    );
  }
  const waiting = status?.outbox.pending ?? 0;
  if (waiting > 0) consequences.push(`${waiting} receipt${waiting === 1 ? ' is' : 's are'} not sent to TaxPoynt yet; they are kept and sent when the bridge runs again.`);
  if (status && !status.capturePaused && status.devices.some((d) => d.kind !== 'virtual_printer')) {
    consequences.push('Receipts printed while the bridge is closed are not recorded.');
  }
  return {
    title: `Quit ${PRODUCT}?`,
    message: consequences.length ? `Quit ${PRODUCT}? ${consequences[0]}` : `Quit ${PRODUCT}?`,
    consequences,
    buttons: ['Quit', 'Keep running'],
    defaultId: 1,
    cancelId: 1,
  };
}

/** The icon file for a state on a platform, under resources/icons (made by resources/icons/generate.mjs). */
export function trayIconFile(iconsDir: string, state: TrayState, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(iconsDir, 'windows', `tray-${state}.ico`);
  // macOS: a "Template" image is drawn by the system in the menu bar's colours; @2x is picked up beside it.
  if (platform === 'darwin') return join(iconsDir, 'mac', `tray-${state}Template.png`);
  // Linux: 16 px, with the 32 px @2x beside it for HiDPI panels.
  return join(iconsDir, 'linux', `tray-${state}.png`);
}
