// Network addresses a virtual printer listens on and accepts tills from: "host:port" parsing, loopback/wildcard tests, allow lists (IPv4, IPv6, CIDR).
import { BlockList, isIP } from 'node:net';

/** Where a virtual printer listens when the config names only a port: this machine only. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * "127.0.0.1:9100", "[::1]:9100", "printer.local:9100", or a bare port "9100" (loopback).
 * Returns null when the text is none of these.
 */
export function parseHostPort(text: string): HostPort | null {
  const bare = /^(\d{1,5})$/.exec(text);
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text);
  const named = /^([^\s:[\]]+):(\d{1,5})$/.exec(text);
  const [host, port] = bare ? [DEFAULT_LISTEN_HOST, bare[1]!] : v6 ? [v6[1]!, v6[2]!] : named ? [named[1]!, named[2]!] : [null, null];
  if (host === null || (v6 && isIP(host) !== 6)) return null;
  const n = Number(port);
  return n <= 65535 ? { host, port: n } : null;
}

/** An IPv4 address written as IPv6 (::ffff:192.168.1.20, as a dual-stack socket reports it) in its IPv4 form. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

export function isLoopback(host: string): boolean {
  const h = plainAddress(host.toLowerCase());
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** "0.0.0.0" or "::": every interface of the machine, the whole shop network included. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || /^(0*:){2,7}0*$/.test(host) || host === '::';
}

/** One allow-list entry: an address or a CIDR range; the reason it is not one, or null. */
export function allowEntryProblem(entry: string): string | null {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(plainAddress(address ?? ''));
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IPv4/IPv6 address or CIDR range (e.g. "192.168.1.20", "192.168.1.0/24", "fd00::/64")`;
  if (prefix === undefined) return null;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= max ? null : `"${entry}": the prefix length after "/" must be 0–${max}`;
}

/**
 * The source addresses a listener accepts. 127.0.0.1 and ::1 are always allowed: they are this
 * machine, where the POS software itself often runs. IPv4 entries also match their ::ffff: form and the reverse.
 */
export class AllowList {
  private readonly list = new BlockList();

  constructor(readonly entries: readonly string[] | undefined) {
    for (const entry of entries ?? []) {
      const [raw, prefix] = entry.split('/');
      const address = plainAddress(raw!);
      const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(prefix), family);
    }
  }

  /** Whether a connection from `address` may print; with no list, only this machine may. */
  allows(address: string): boolean {
    const a = plainAddress(address);
    if (a === '127.0.0.1' || a === '::1') return true;
    const family = isIP(a);
    if (family === 0) return false;
    return this.list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  }
}
