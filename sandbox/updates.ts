// Sandbox update feeds: serves /updates/<channel>/latest*.yml and the release files from a folder, and publishes fake releases into it.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join, resolve, sep } from 'node:path';
import yaml from 'js-yaml';

/** What the feed does instead of answering normally (fault injection for tests and the demo). */
export type UpdateFeedFault = { kind: 'status'; status: number } | { kind: 'garbage' };

export interface UpdateFeedOptions {
  /** Folder holding one sub-folder per channel (stable/, beta/, pilot/) with latest*.yml and the files. */
  root: string;
  /** URL prefix; default "/updates". */
  prefix?: string;
  /** Read on every request, so a test can switch a fault on and off. */
  fault?: () => UpdateFeedFault | null;
}

const CHANNEL = /^[a-z][a-z0-9-]{0,31}$/;

/** A request handler for node:http; returns true when it handled the request (the path was under the prefix). */
export function createUpdateFeed(options: UpdateFeedOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const prefix = (options.prefix ?? '/updates').replace(/\/+$/, '');
  const root = resolve(options.root);
  return (req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://feed').pathname);
    } catch {
      return false;
    }
    if (!path.startsWith(`${prefix}/`)) return false;
    const parts = path.slice(prefix.length + 1).split('/');
    const fault = options.fault?.() ?? null;
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'method not allowed');
    if (fault?.kind === 'status') return answer(res, fault.status, 'injected fault');
    if (fault?.kind === 'garbage') return answer(res, 200, '\u0000\u00ff{[ not: a: feed ::\n- ]', 'text/yaml');
    const [channel, file] = parts;
    if (parts.length !== 2 || !channel || !file || !CHANNEL.test(channel) || file.startsWith('.')) return answer(res, 404, 'not found');
    const full = resolve(root, channel, file);
    if (!full.startsWith(root + sep) || !existsSync(full) || !statSync(full).isFile()) return answer(res, 404, 'not found');
    const size = statSync(full).size;
    res.writeHead(200, {
      'content-type': file.endsWith('.yml') ? 'text/yaml' : 'application/octet-stream',
      'content-length': String(size),
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(full).pipe(res);
    return true;
  };
}

function answer(res: ServerResponse, status: number, body: string, type = 'text/plain'): true {
  res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
  return true;
}

export type ReleasePlatform = 'linux' | 'win' | 'mac';

export interface ReleaseFile {
  name: string;
  bytes: Buffer;
}

export interface PublishOptions {
  root: string;
  channel: string;
  version: string;
  /** Default: one fake package per platform named like electron-builder's artifacts. */
  files?: ReleaseFile[];
  platform?: ReleasePlatform;
  /** Linux arch suffix as electron-updater reads it: x64 has none (latest-linux.yml), others -<arch>. */
  arch?: string;
  stagingPercentage?: number;
  releaseDate?: string;
}

export interface PublishedRelease {
  channelFile: string;
  files: Array<{ url: string; sha512: string; size: number; path: string }>;
}

/** The feed file electron-updater's generic provider asks for (latest.yml, latest-mac.yml, latest-linux[-arch].yml). */
export function channelFileName(platform: ReleasePlatform, arch = 'x64'): string {
  if (platform === 'win') return 'latest.yml';
  if (platform === 'mac') return 'latest-mac.yml';
  return arch === 'x64' ? 'latest-linux.yml' : `latest-linux-${arch}.yml`;
}

export function platformOf(platform: NodeJS.Platform = process.platform): ReleasePlatform {
  return platform === 'win32' ? 'win' : platform === 'darwin' ? 'mac' : 'linux';
}

function defaultFile(platform: ReleasePlatform, version: string): ReleaseFile {
  const name =
    platform === 'win'
      ? `TaxPoynt-POS-Bridge-Setup-${version}.exe`
      : platform === 'mac'
        ? `TaxPoynt-POS-Bridge-${version}-mac.zip`
        : `TaxPoynt-POS-Bridge-${version}.AppImage`;
  return { name, bytes: Buffer.from(`fake ${platform} package of TaxPoynt POS Bridge ${version}\n`.repeat(64)) };
}

/** Writes the artifacts and the channel's latest*.yml with each file's sha512 (base64) and size, as electron-builder publishes them. */
export function publishRelease(options: PublishOptions): PublishedRelease {
  const platform = options.platform ?? platformOf();
  const dir = join(options.root, options.channel);
  mkdirSync(dir, { recursive: true });
  const files = (options.files ?? [defaultFile(platform, options.version)]).map((file) => {
    const path = join(dir, basename(file.name));
    writeFileSync(path, file.bytes);
    return { url: basename(file.name), sha512: createHash('sha512').update(file.bytes).digest('base64'), size: file.bytes.length, path };
  });
  const first = files[0]!;
  const info: Record<string, unknown> = {
    version: options.version,
    files: files.map(({ url, sha512, size }) => ({ url, sha512, size })),
    path: first.url,
    sha512: first.sha512,
    releaseDate: options.releaseDate ?? new Date().toISOString(),
  };
  if (options.stagingPercentage !== undefined) info.stagingPercentage = options.stagingPercentage;
  const channelFile = join(dir, channelFileName(platform, options.arch ?? process.arch));
  writeFileSync(channelFile, yaml.dump(info, { lineWidth: -1 }));
  return { channelFile, files };
}
