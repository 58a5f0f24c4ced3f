// Receipt profiles: the declarative format (zod), loading built-ins and files (`name@version` or a path), `extends`, and compiled regexes.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const Patterns = z.array(z.string()).describe('regular expressions, tried in order, case-insensitive');
const Span = z.tuple([z.number().int().min(0), z.number().int().min(1)]).describe('[from, to) character columns');

export const ProfileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a profile name is lower-case letters, digits and "-"'),
    version: z.number().int().positive(),
    description: z.string().default(''),
    /** Another profile (`name@version`) this one changes; objects are merged, arrays replaced. */
    extends: z.string().optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "NGN"'),
    /** UTC offset of the printed times (Nigeria is WAT, +01:00, no daylight saving). */
    timezone: z.string().regex(/^[+-]\d{2}:\d{2}$/, 'a UTC offset such as "+01:00"'),
    numbers: z.object({
      decimal: z.enum(['.', ',']),
      thousands: z.array(z.enum([',', '.', ' ', "'"])),
      /** When false, a bare integer at the end of a line ("Bread  500") is an amount too. */
      decimals_required: z.boolean(),
      currency_marks: z.array(z.string().min(1)),
    }),
    dates: z.object({
      /** Order of an all-digit date: Nigerian receipts are day first. */
      order: z.enum(['dmy', 'mdy', 'ymd']),
    }),
    header: z.object({
      /** Each needs a `(?<value>…)` group. */
      receipt_number: Patterns,
      seller_tin: Patterns,
      buyer_tin: Patterns,
      buyer_name: Patterns,
      /** Lines never taken as the business name (titles, greetings). */
      not_seller: Patterns,
    }),
    labels: z.object({
      subtotal: Patterns,
      discount: Patterns,
      service_charge: Patterns,
      vat: Patterns,
      /** "VATABLE AMOUNT", "TAXABLE": the base VAT was charged on, when printed. */
      taxable: Patterns,
      other_taxes: z.array(z.object({ type: z.string().min(1), pattern: z.string() })),
      /** Tips and gratuities: added after the taxes, taxed by neither. */
      tip: Patterns.default([]),
      /** The receipt's own rounding of the total ("Rounding -0.37"), either sign. */
      rounding: Patterns.default([]),
      /** A line saying the goods carry no VAT ("VAT 0%", "VAT Exempt"): unmarked items are zero-rated or exempt. */
      vat_free: Patterns.default([]),
      /** Highest priority first: a GRAND TOTAL beats a TOTAL printed above the taxes. */
      total: Patterns,
      change: Patterns,
    }),
    payments: z.object({
      cash: Patterns,
      card: Patterns,
      transfer: Patterns,
      mobile_money: Patterns,
      other: Patterns,
      /** A line naming the method without an amount ("Payment Method: CARD"), with a `(?<value>…)` group. */
      method_hint: Patterns,
    }),
    document: z.object({
      refund: Patterns,
      /** Lines that mention refunds without being one ("NO REFUND AFTER PAYMENT"). */
      not_refund: Patterns,
      /** Print jobs that are not receipts at all (day-end reports, test pages). */
      not_receipt: Patterns,
    }),
    items: z.object({
      /** Fixed columns, for a POS whose columns touch; null reads columns by spacing. */
      columns: z
        .object({ description: Span, quantity: Span.nullable(), unit_price: Span.nullable(), amount: Span })
        .nullable(),
      /** Lines inside the item block that are not items (column headings, separators). */
      ignore: Patterns,
      /** A negative line that cancels an earlier item ("VOID  Coke  -300.00"). */
      void: Patterns,
    }),
    tax: z.object({
      vat_rate: z.string().regex(/^\d{1,2}(\.\d{1,3})?$/, 'a percentage such as "7.5"'),
      /** Lines saying the prices already include VAT. */
      inclusive: Patterns,
      /** A receipt with standard-rated items and no VAT line: hold for review, or take it as VAT not charged. */
      missing_vat: z.enum(['review', 'not_charged']),
      /** The largest rounding line taken as rounding (naira); above it the receipt is held. Under a naira by default. */
      max_rounding: z.string().regex(/^\d{1,6}\.\d{2}$/, 'naira with two places, e.g. "0.99"').default('0.99'),
      /** Item markers printed after the amount (or as a last word). */
      markers: z.object({ exempt: z.array(z.string()), zero: z.array(z.string()), standard: z.array(z.string()) }),
    }),
    /** Personal data is read only when asked (issue 5 §4). */
    extract: z.object({ buyer: z.boolean() }),
  })
  .strict();

export type Profile = z.infer<typeof ProfileSchema>;

/** A profile that cannot be used: names the file or profile, the rule, and why. */
export class ProfileError extends Error {
  readonly code = 'profile_invalid';
  constructor(
    readonly profile: string,
    readonly rule: string,
    readonly reason: string,
  ) {
    super(
      `Receipt profile ${profile} cannot be used: ${rule ? `${rule}: ` : ''}${reason}. ` +
        'Fix the profile (or pick another with --profile / the device\'s "profile" setting) and parse again.',
    );
    this.name = 'ProfileError';
  }
}

function defaultProfilesDir(): string {
  // main/receipts/ in the sources, dist/main/receipts/ when built: walk up to the folder holding resources/profiles.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'resources', 'profiles');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(process.cwd(), 'resources', 'profiles');
}

export interface ProfileOptions {
  profilesDir?: string;
}

const NAME_AT_VERSION = /^([a-z0-9][a-z0-9-]*)@(\d+)$/;

/** Built-in profiles as `name@version`, sorted. */
export function listProfiles(options: ProfileOptions = {}): string[] {
  const dir = options.profilesDir ?? defaultProfilesDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((n) => NAME_AT_VERSION.test(n))
    .sort();
}

/**
 * What is wrong with text that is not JSON, by line and column only: the parser's own message quotes
 * the text, and a file given where a profile or a config belongs may be anything (a key file, /etc/shadow).
 */
export function jsonSyntaxProblem(text: string, err: unknown): string {
  const at = /at position (\d+)/.exec((err as Error)?.message ?? '');
  if (at) {
    const before = text.slice(0, Number(at[1]));
    const line = before.split('\n').length;
    return `not valid JSON (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
  }
  return /end of JSON input/.test((err as Error)?.message ?? '') ? 'not valid JSON (it ends too early)' : 'not valid JSON';
}

/** The largest profile file read: profiles are a few kilobytes; anything bigger is not one. */
const MAX_PROFILE_BYTES = 256 * 1024;
const NOT_A_PROFILE = 'a profile is a JSON object with "name", "version" (or "extends") and its rules; see resources/profiles/README.md';

/** `file` when it is a regular file inside `dir` once links are followed; null otherwise. */
function fileInside(dir: string, file: string): string | null {
  if (!existsSync(file)) return null;
  const real = realpathSync(file);
  const root = realpathSync(dir);
  return real.startsWith(root + sep) && statSync(real).isFile() ? real : null;
}

function readRaw(nameOrFile: string, dir: string, near?: string): { raw: Record<string, unknown>; label: string; baseDir: string } {
  const named = NAME_AT_VERSION.test(nameOrFile);
  let file: string | null;
  let baseDir: string;
  if (named) {
    // A name is a built-in, else a profile saved next to the one that names it; never a path.
    file = fileInside(dir, join(dir, `${nameOrFile}.json`));
    baseDir = dir;
    if (!file && near && existsSync(near)) {
      file = fileInside(near, join(near, `${nameOrFile}.json`));
      baseDir = near;
    }
    if (!file) {
      const known = listProfiles({ profilesDir: dir });
      throw new ProfileError(nameOrFile, '', `no such built-in profile (known: ${known.join(', ') || 'none'})${near ? ', nor one saved beside it' : ''}`);
    }
  } else {
    file = resolve(nameOrFile);
    baseDir = dirname(file);
    if (!existsSync(file)) throw new ProfileError(file, '', 'no such file');
  }
  const label = named ? nameOrFile : file;
  if (!statSync(file).isFile()) throw new ProfileError(label, '', `not a file; ${NOT_A_PROFILE}`);
  if (statSync(file).size > MAX_PROFILE_BYTES) throw new ProfileError(label, '', `it is not a receipt profile: larger than ${MAX_PROFILE_BYTES / 1024} KiB; ${NOT_A_PROFILE}`);
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ProfileError(label, '', `it is not a receipt profile: ${jsonSyntaxProblem(text, err)}`);
  }
  const object = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  // Neither a name nor a base: some other JSON file. Say so without quoting any of it.
  if (!object || (!('name' in object) && !('extends' in object))) throw new ProfileError(label, '', `it is not a receipt profile: ${NOT_A_PROFILE}`);
  return { raw: object, label, baseDir };
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base) && !Array.isArray(over)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = merge(out[k], v);
    return out;
  }
  return over;
}

function resolveRaw(nameOrFile: string, dir: string, depth: number, near?: string): { raw: Record<string, unknown>; label: string } {
  const { raw, label, baseDir } = readRaw(nameOrFile, dir, near);
  const parent = raw.extends;
  if (parent === undefined) return { raw, label };
  // A base is named, never pointed at: a profile (or a renderer trying one) cannot make the loader read a file outside its folder.
  if (typeof parent !== 'string' || !NAME_AT_VERSION.test(parent)) {
    throw new ProfileError(label, 'extends', 'names the base profile as "name@version" (a built-in, or a profile saved in the same folder); a file path is not allowed');
  }
  if (depth >= 4) throw new ProfileError(label, 'extends', 'profiles extend each other more than 4 deep (a loop?)');
  let base: Record<string, unknown>;
  try {
    base = resolveRaw(parent, dir, depth + 1, baseDir === dir ? undefined : baseDir).raw;
  } catch (err) {
    if (err instanceof ProfileError) throw new ProfileError(label, 'extends', `its base ${parent} cannot be used: ${err.reason}`);
    throw err;
  }
  const { extends: _drop, ...baseRest } = base;
  return { raw: merge(baseRest, raw) as Record<string, unknown>, label };
}

/**
 * The profile a request names, by name only (`name@version`): a built-in, or one saved in `userDir`.
 * Returns what loadProfile takes (the name, or the saved file's path); anything else is refused.
 */
export function resolveProfileName(name: string, userDir: string, options: ProfileOptions = {}): string {
  if (!NAME_AT_VERSION.test(name)) throw new ProfileError(name.slice(0, 80), '', 'a profile is named "name@version" (e.g. "generic@1"), never by a path');
  const builtins = listProfiles(options);
  if (builtins.includes(name)) return name;
  const file = existsSync(userDir) ? fileInside(userDir, join(userDir, `${name}.json`)) : null;
  if (!file) throw new ProfileError(name, '', `no such built-in profile (known: ${builtins.join(', ') || 'none'}), nor one saved under this name`);
  return join(userDir, `${name}.json`);
}

function rulePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** Patterns that must capture a value, by rule path. */
const VALUE_RULES = ['header.receipt_number', 'header.seller_tin', 'header.buyer_tin', 'header.buyer_name', 'payments.method_hint'];

function checkPatterns(profile: Profile, label: string): void {
  const groups: Array<[string, string[]]> = [
    ['header.receipt_number', profile.header.receipt_number],
    ['header.seller_tin', profile.header.seller_tin],
    ['header.buyer_tin', profile.header.buyer_tin],
    ['header.buyer_name', profile.header.buyer_name],
    ['header.not_seller', profile.header.not_seller],
    ['labels.subtotal', profile.labels.subtotal],
    ['labels.discount', profile.labels.discount],
    ['labels.service_charge', profile.labels.service_charge],
    ['labels.vat', profile.labels.vat],
    ['labels.taxable', profile.labels.taxable],
    ['labels.tip', profile.labels.tip],
    ['labels.rounding', profile.labels.rounding],
    ['labels.vat_free', profile.labels.vat_free],
    ['labels.total', profile.labels.total],
    ['labels.change', profile.labels.change],
    ['payments.cash', profile.payments.cash],
    ['payments.card', profile.payments.card],
    ['payments.transfer', profile.payments.transfer],
    ['payments.mobile_money', profile.payments.mobile_money],
    ['payments.other', profile.payments.other],
    ['payments.method_hint', profile.payments.method_hint],
    ['document.refund', profile.document.refund],
    ['document.not_refund', profile.document.not_refund],
    ['document.not_receipt', profile.document.not_receipt],
    ['items.ignore', profile.items.ignore],
    ['items.void', profile.items.void],
    ['tax.inclusive', profile.tax.inclusive],
  ];
  profile.labels.other_taxes.forEach((t, i) => groups.push([`labels.other_taxes[${i}].pattern`, [t.pattern]]));
  for (const [rule, patterns] of groups) {
    patterns.forEach((source, i) => {
      const at = rule.endsWith('.pattern') ? rule : `${rule}[${i}]`;
      let re: RegExp;
      try {
        re = new RegExp(source, 'i');
      } catch (err) {
        throw new ProfileError(label, at, `not a valid regular expression (${(err as Error).message})`);
      }
      if (VALUE_RULES.includes(rule) && !/\(\?<value>/.test(re.source)) {
        throw new ProfileError(label, at, 'needs a (?<value>...) group saying which part to take');
      }
      if (re.test('')) throw new ProfileError(label, at, 'matches an empty line, so it would match every line');
    });
  }
  const cols = profile.items.columns;
  if (cols) {
    for (const [k, span] of Object.entries(cols)) {
      if (span && span[1] <= span[0]) throw new ProfileError(label, `items.columns.${k}`, `ends (${span[1]}) before it starts (${span[0]})`);
    }
  }
  if (profile.numbers.thousands.includes(profile.numbers.decimal)) {
    throw new ProfileError(label, 'numbers.thousands', `"${profile.numbers.decimal}" cannot be both the decimal mark and a thousands separator`);
  }
}

/** Validates a profile object (already merged with its base); throws ProfileError naming the rule. */
export function validateProfile(raw: unknown, label = 'profile'): Profile {
  const result = ProfileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ProfileError(label, rulePath(issue.path), issue.message);
  }
  checkPatterns(result.data, label);
  return result.data;
}

const cache = new Map<string, Profile>();

/**
 * A profile by built-in name (`generic@1`, from resources/profiles) or by file path.
 * Throws ProfileError saying which rule is wrong and why.
 */
export function loadProfile(nameOrFile: string, options: ProfileOptions = {}): Profile {
  const dir = options.profilesDir ?? defaultProfilesDir();
  const builtin = NAME_AT_VERSION.test(nameOrFile);
  const key = `${dir}\0${nameOrFile}`;
  if (builtin) {
    const hit = cache.get(key);
    if (hit) return hit;
  }
  const { raw, label } = resolveRaw(nameOrFile, dir, 0);
  const profile = validateProfile(raw, label);
  if (builtin) cache.set(key, profile);
  return profile;
}

/** `name@version` of a profile: what a transaction's source.profile records. */
export function profileId(profile: Profile): string {
  return `${profile.name}@${profile.version}`;
}
