/**
 * Calendar arithmetic on the text representations of data-type.ts (DATE 'YYYY-MM-DD', TIME 'HH:MM:SS[.f]',
 * TIMESTAMP 'YYYY-MM-DDTHH:MM:SS[.f]', TIMESTAMP_LTZ the same with 'Z'). A timestamp is handled as whole
 * seconds since 1970-01-01T00:00:00 plus nanoseconds, so nothing below the second is ever rounded.
 */
import { civilFromDays } from '@cdc/core';

export const SECONDS_PER_DAY = 86400;
export const NANOS_PER_SECOND = 1_000_000_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}


export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** A wall-clock (or UTC) instant: seconds since the epoch and nanoseconds within the second. */
export interface DateTime {
  sec: number;
  nano: number;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  const ys = y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
  return `${ys}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** Fraction digits for a precision: truncates (never rounds up into the next second). */
export function fraction(nano: number, precision: number): string {
  if (precision <= 0) return '';
  return '.' + pad(nano, 9).slice(0, precision);
}

export function formatTimeOfDay(secOfDay: number, nano: number, precision: number): string {
  const h = Math.floor(secOfDay / 3600);
  const mi = Math.floor((secOfDay % 3600) / 60);
  const s = secOfDay % 60;
  return `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${fraction(nano, precision)}`;
}

export function formatTimestamp(t: DateTime, precision: number, ltz: boolean): string {
  const days = Math.floor(t.sec / SECONDS_PER_DAY);
  const secOfDay = t.sec - days * SECONDS_PER_DAY;
  return `${formatDate(days)}T${formatTimeOfDay(secOfDay, t.nano, precision)}${ltz ? 'Z' : ''}`;
}

const DATE_RE = /^\s*([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})\s*$/;
const TIME_RE = /^\s*(-?)(\d{1,3}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?\s*$/;
const TIMESTAMP_RE =
  /^\s*([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})(?:(?:[T ]|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?\s*$/i;

function validDate(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** Epoch day of 'YYYY-MM-DD', or undefined. */
export function parseDate(s: string): number | undefined {
  const m = DATE_RE.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return validDate(y, mo, d) ? daysFromCivil(y, mo, d) : undefined;
}

/** Nanoseconds of 'HH:MM[:SS[.f]]' (MySQL TIME may be negative or above 24 hours), or undefined. */
export function parseTime(s: string): number | undefined {
  const m = TIME_RE.exec(s);
  if (!m) return undefined;
  const mi = Number(m[3]);
  const sec = Number(m[4] ?? 0);
  if (mi > 59 || sec > 59) return undefined;
  const nanos = (Number(m[2]) * 3600 + mi * 60 + sec) * NANOS_PER_SECOND + Number((m[5] ?? '').padEnd(9, '0'));
  return m[1] === '-' ? -nanos : nanos;
}

export function formatTime(nanos: number, precision: number): string {
  const neg = nanos < 0;
  const n = Math.abs(nanos);
  const sec = Math.floor(n / NANOS_PER_SECOND);
  return (neg ? '-' : '') + formatTimeOfDay(sec, n - sec * NANOS_PER_SECOND, precision);
}

export interface ParsedTimestamp extends DateTime {
  /** Seconds east of UTC when the text carried a zone ('Z', '+08:00'). */
  offset: number | undefined;
  /** Number of fraction digits written. */
  digits: number;
}

/** 'YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][Z|±HH:MM]', or undefined. */
export function parseTimestamp(s: string): ParsedTimestamp | undefined {
  const m = TIMESTAMP_RE.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const sec = Number(m[6] ?? 0);
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return undefined;
  const frac = m[7] ?? '';
  let offset: number | undefined;
  const z = m[8]?.toUpperCase();
  if (z === 'Z' || z === 'UTC' || z === 'GMT') offset = 0;
  else if (z) {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(z)!;
    offset = (zm[1] === '-' ? -1 : 1) * (Number(zm[2]) * 3600 + Number(zm[3] ?? 0) * 60);
  }
  return { sec: daysFromCivil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + sec, nano: Number(frac.padEnd(9, '0')), offset, digits: frac.length };
}

/** Adds months the way java.time does: the day is clamped to the end of a shorter month. */
export function addMonths(days: number, months: number): number {
  const [y, m, d] = civilFromDays(days);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return daysFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/** Fields of a wall-clock instant, used by EXTRACT and DATE_FORMAT. */
export interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nano: number;
  /** ISO day of week, Monday = 1 ... Sunday = 7. */
  dow: number;
  doy: number;
  /** Seconds east of UTC, when known. */
  offset: number | undefined;
}

export function fieldsOf(t: DateTime, offset?: number): Fields {
  const days = Math.floor(t.sec / SECONDS_PER_DAY);
  const secOfDay = t.sec - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
    nano: t.nano,
    dow: ((((days + 3) % 7) + 7) % 7) + 1,
    doy: days - daysFromCivil(year, 1, 1) + 1,
    offset,
  };
}

/** ISO-8601 week of the week-based year. */
export function isoWeek(f: Fields): number {
  const days = daysFromCivil(f.year, f.month, f.day);
  const thursday = days - f.dow + 4;
  const [ty] = civilFromDays(thursday);
  return Math.floor((thursday - daysFromCivil(ty, 1, 1)) / 7) + 1;
}
