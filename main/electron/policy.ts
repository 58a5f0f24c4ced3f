// The shell's fixed rules, kept apart from the Electron calls so they are read and tested in plain Node: paths, CSP, window options, URL checks.
import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StatusView } from '../../preload/api.js';

/** Our page is served by a privileged custom scheme, so its frames have one origin we can check. */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = 'app://bridge';
export const APP_PAGE = `${APP_ORIGIN}/index.html`;

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export interface ShellPaths {
  rendererDir: string;
  preload: string;
  iconsDir: string;
  engineChild: string;
}

/** dist/main/electron/ → the app root (holding dist/, renderer/dist/ and, unpackaged, resources/). */
export function shellPaths(resourcesPath: string | undefined, packaged: boolean): ShellPaths {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = join(here, '..', '..', '..');
  return {
    rendererDir: join(root, 'renderer', 'dist'),
    preload: join(root, 'dist', 'preload', 'index.cjs'),
    iconsDir: packaged && resourcesPath ? join(resourcesPath, 'icons') : join(root, 'resources', 'icons'),
    engineChild: join(here, '..', 'engine', 'child.js'),
  };
}

/** Every option of the one window that matters for security, stated once. */
export function windowOptions(preload: string, icon: string) {
  return {
    width: 1366,
    height: 768,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'TaxPoynt POS Bridge',
    backgroundColor: '#f8fafc',
    icon,
    autoHideMenuBar: true,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  } as const;
}

/** Only a frame showing our own page may call the engine (a navigated or injected frame may not). */
export function isOwnPage(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** The one external link that may open (in the system browser): the pairing link the cloud gave for the pairing under way. */
export function isPairingLink(url: string, status: StatusView | null): boolean {
  const p = status?.pairing;
  if (!p || (p.state !== 'waiting' && p.state !== 'starting')) return false;
  if (url !== p.verificationUri && url !== p.verificationUriComplete) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** The renderer file an app:// URL names, or null (outside the renderer, unknown type or missing). */
export function rendererAsset(rendererDir: string, url: string): { file: string; contentType: string } | null {
  let path: string;
  try {
    const u = new URL(url);
    if (`${u.protocol}//${u.host}` !== APP_ORIGIN) return null;
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  const file = normalize(join(rendererDir, path === '/' ? 'index.html' : path));
  if (!file.startsWith(normalize(rendererDir) + sep)) return null;
  const contentType = TYPES[extname(file)];
  if (!contentType || !existsSync(file)) return null;
  return { file, contentType };
}
