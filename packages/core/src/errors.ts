/**
 * One error family for everything cdc reports. Messages read `[cdc] [connector] what happened — what to do`.
 * Identity is checked by a brand, not `instanceof`, because a project may load two copies of @cdc/core
 * (one under the CLI, one under a third-party connector).
 */
export type CdcErrorCode =
  | 'CONFIG'
  | 'CONNECT'
  | 'AUTH'
  | 'SCHEMA'
  | 'UNSUPPORTED'
  | 'DATA'
  | 'STATE'
  | 'PLUGIN'
  | 'VERSION'
  | 'SINK'
  | 'SOURCE'
  | 'INTERNAL';

const BRAND = Symbol.for('@cdc/core/CdcError');

export interface CdcErrorOptions {
  /** Identifier of the connector the error comes from (`mysql`, `doris`, ...). */
  connector?: string;
  /** Whether retrying the same operation later can succeed. */
  retryable?: boolean;
  cause?: unknown;
  /** What the user should do; appended after an em dash. */
  hint?: string;
  /** Extra structured details (never secrets). */
  details?: Readonly<Record<string, unknown>>;
}

export class CdcError extends Error {
  readonly code: CdcErrorCode;
  readonly connector: string | undefined;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** The message without the `[cdc] [connector]` prefix and hint. */
  readonly reason: string;

  constructor(code: CdcErrorCode, reason: string, opts: CdcErrorOptions = {}) {
    const text = redactSecrets(reason);
    const hint = opts.hint === undefined ? undefined : redactSecrets(opts.hint);
    super(formatMessage(text, opts.connector, hint), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.connector = opts.connector;
    this.retryable = opts.retryable ?? false;
    this.hint = hint;
    this.details = opts.details;
    this.reason = text;
    Object.defineProperty(this, BRAND, { value: true });
  }

  override get name(): string {
    return ERROR_NAMES[this.code];
  }
}

const ERROR_NAMES: Record<CdcErrorCode, string> = {
  CONFIG: 'ConfigError',
  CONNECT: 'ConnectError',
  AUTH: 'AuthError',
  SCHEMA: 'SchemaError',
  UNSUPPORTED: 'UnsupportedError',
  DATA: 'DataError',
  STATE: 'StateError',
  PLUGIN: 'PluginError',
  VERSION: 'VersionError',
  SINK: 'SinkError',
  SOURCE: 'SourceError',
  INTERNAL: 'InternalError',
};

function formatMessage(reason: string, connector: string | undefined, hint: string | undefined): string {
  const who = connector ? `[cdc] [${connector}] ` : '[cdc] ';
  return hint ? `${who}${reason} — ${hint}` : `${who}${reason}`;
}

type Sub = new (reason: string, opts?: CdcErrorOptions) => CdcError;
const sub = (code: CdcErrorCode): Sub =>
  class extends CdcError {
    constructor(reason: string, opts?: CdcErrorOptions) {
      super(code, reason, opts);
    }
  };

/** Bad pipeline file, option, expression or command line. CLI exit code 2. */
export const ConfigError = sub('CONFIG');
export const ConnectError = sub('CONNECT');
export const AuthError = sub('AUTH');
export const SchemaError = sub('SCHEMA');
export const UnsupportedError = sub('UNSUPPORTED');
export const DataError = sub('DATA');
/** Checkpoint/offset state missing, corrupted or not usable. */
export const StateError = sub('STATE');
/** A connector package that cannot be found, loaded or is malformed. */
export const PluginError = sub('PLUGIN');
/** Incompatible versions (connector vs core, external system). */
export const VersionError = sub('VERSION');
export const SinkError = sub('SINK');
export const SourceError = sub('SOURCE');
export const InternalError = sub('INTERNAL');

export function isCdcError(e: unknown): e is CdcError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** Errors a user fixes in configuration; the CLI maps them to exit code 2. */
export function isUsageError(e: unknown): boolean {
  return isCdcError(e) && (e.code === 'CONFIG' || e.code === 'VERSION' || e.code === 'PLUGIN');
}

// ---------------------------------------------------------------------------------------------
// Secrets

const registeredSecrets = new Set<string>();

/** Values that must never appear in messages or logs (passwords from the pipeline file, tokens). */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= 3) registeredSecrets.add(value);
}

const SECRET_PATTERNS: RegExp[] = [
  // key=value and key: value for password-like keys
  /((?:password|passwd|pwd|secret|token|access[-_.]?key(?:[-_.]?id)?|secret[-_.]?key|api[-_.]?key|sasl\.jaas\.config)["']?\s*[:=]\s*["']?)([^\s"',;&}]+)/gi,
  // credentials in URLs: scheme://user:pass@host
  /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi,
  // Authorization headers
  /(\bAuthorization["']?\s*[:=]\s*["']?(?:Basic|Bearer)\s+)([A-Za-z0-9+/=._-]+)/gi,
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of registeredSecrets) {
    if (!out.includes(secret)) continue;
    if (secret.length >= 8) out = out.split(secret).join('******');
    // a short secret ("cdc") is also a common word part: redact it only where it stands alone as a value, and
    // not as a bracketed tag: `[cdc] [mysql]` is the prefix of every message, whatever the password is
    else out = out.replace(new RegExp(`(^|[\\s"'=:,;(])${escapeRegExp(secret)}(?=$|[\\s"',;)])`, 'g'), '$1******');
  }
  for (const re of SECRET_PATTERNS) {
    out = out.replace(re, (_m, a: string, _b: string, c?: string) => `${a}******${typeof c === 'string' ? c : ''}`);
  }
  return out;
}

/** Turn anything thrown into a one-line description, secrets removed. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return redactSecrets(e.message);
  return redactSecrets(String(e));
}
