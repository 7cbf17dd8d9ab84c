import { redactSecrets, type Logger } from '@cdc/core';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface ConsoleLoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  /** Where lines go; stderr by default so stdout stays for data (print sink). */
  write?: (line: string) => void;
  /** Prefix for text lines, e.g. the connector. */
  scope?: string;
  /** Called before each line, so a progress bar can clear itself. */
  beforeWrite?: () => void;
}

/** Leveled logger; every line passes through secret redaction. */
export function createLogger(opts: ConsoleLoggerOptions = {}): Logger & { child(scope: string): Logger } {
  const level = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((l: string) => process.stderr.write(l + '\n'));
  const make = (scope: string | undefined): Logger & { child(scope: string): Logger } => {
    const emit = (lv: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => {
      if (RANK[lv] < level) return;
      opts.beforeWrite?.();
      if (opts.format === 'json') {
        write(redactSecrets(JSON.stringify({ time: new Date().toISOString(), level: lv, scope, message, ...fields }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))));
        return;
      }
      const extra = fields && Object.keys(fields).length ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))}`).join(' ') : '';
      const time = new Date().toISOString().slice(11, 23);
      write(redactSecrets(`${time} ${lv.toUpperCase().padEnd(5)} ${scope ? `[${scope}] ` : ''}${message}${extra}`));
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (s: string) => make(scope ? `${scope}/${s}` : s),
    };
  };
  return make(opts.scope);
}

/** A logger that keeps lines in memory (tests). */
export function memoryLogger(): Logger & { lines: { level: LogLevel; message: string }[]; child(scope: string): Logger } {
  const lines: { level: LogLevel; message: string }[] = [];
  const at = (level: LogLevel) => (message: string) => void lines.push({ level, message: redactSecrets(message) });
  const self = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => self };
  return self;
}
