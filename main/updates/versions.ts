// Version comparison with electron-updater's own semver (the same module its check uses), so the pin and the updater never disagree.
import { createRequire } from 'node:module';

interface SemverModule {
  valid(version: string): string | null;
  eq(a: string, b: string): boolean;
  gt(a: string, b: string): boolean;
  lt(a: string, b: string): boolean;
}

const requireFromUpdater = createRequire(createRequire(import.meta.url).resolve('electron-updater'));
const semver = requireFromUpdater('semver') as SemverModule;

export function isVersion(text: string): boolean {
  return semver.valid(text) !== null;
}

export function versionEq(a: string, b: string): boolean {
  return semver.eq(a, b);
}

export function versionGt(a: string, b: string): boolean {
  return semver.gt(a, b);
}

export function versionLt(a: string, b: string): boolean {
  return semver.lt(a, b);
}
