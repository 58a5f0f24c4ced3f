// The real parts each OS gives the tests (socat ptys, gnome-keyring over D-Bus, POSIX signals), and skips that say why.
// On Windows and macOS the vault tests use the OS's own keychain (Credential Manager, Keychain) through keytar instead.

export type Part = 'ptys' | 'gnome-keyring' | 'signals';

export const OS_NAME = ({ win32: 'Windows', darwin: 'macOS', linux: 'Linux' } as Record<string, string>)[process.platform] ?? process.platform;

/** The keychain keytar reaches on this OS. */
export const OS_KEYCHAIN = process.platform === 'win32' ? 'the Windows Credential Manager' : process.platform === 'darwin' ? 'the macOS Keychain' : 'the Secret Service (gnome-keyring)';

/** Why this OS lacks a part, or null when it has it. Linux never lacks one: setup.sh installs them, and a missing one must fail, not skip. */
export function missingPart(part: Part, platform: NodeJS.Platform = process.platform): string | null {
  switch (part) {
    case 'ptys':
      return platform === 'win32' ? 'Windows has no pseudo-terminals for socat to pair (capture over loopback TCP is tested instead)' : null;
    case 'gnome-keyring':
      return platform === 'linux' ? null : `gnome-keyring over D-Bus is Linux's (the vault is tested against ${OS_KEYCHAIN} instead)`;
    case 'signals':
      return platform === 'win32' ? 'Windows delivers no SIGTERM or SIGINT to a child process: a signal kills it outright' : null;
  }
}

const said = new Set<string>();

/**
 * True when this OS lacks the part, after printing one line saying which tests are skipped and why:
 * `describe.skipIf(lacks('ptys', 'the serial tap tests'))(...)`.
 */
export function lacks(part: Part, what = 'these tests'): boolean {
  const reason = missingPart(part);
  if (reason === null) return false;
  const line = `skipped on ${OS_NAME}: ${what}, because ${reason}`;
  if (!said.has(line)) {
    said.add(line);
    console.warn(line);
  }
  return true;
}
