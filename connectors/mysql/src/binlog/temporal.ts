/**
 * Temporal values of the binlog, decoded exactly (microseconds kept) into the text forms of @cdc/core:
 * DATE 'YYYY-MM-DD', TIME '[-]HH:MM:SS[.ffffff]', DATETIME 'YYYY-MM-DD HH:MM:SS[.ffffff]' (MySQL's own text,
 * the same the text protocol returns in a snapshot; the connector turns it into core's ISO form), TIMESTAMP
 * as epoch seconds + microseconds (converted by the caller).
 */
import { packedCivilFromDays } from '@cdc/core';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number): string => (n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : String(n));

/** Fraction digits for fsp `fsp` from microseconds. */
export function fraction(micros: number, fsp: number): string {
  if (fsp <= 0) return '';
  return '.' + String(micros).padStart(6, '0').slice(0, fsp);
}

export function formatDate(year: number, month: number, day: number): string {
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}`;
}

export function formatTime(negative: boolean, hours: number, minutes: number, seconds: number, micros: number, fsp: number): string {
  return `${negative ? '-' : ''}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}${fraction(micros, fsp)}`;
}

export function formatDateTime(y: number, mo: number, d: number, h: number, mi: number, s: number, micros: number, fsp: number, sep = ' '): string {
  return dateTimeText(y, mo, d, sep === 'T' ? T : SPACE, h, mi, s, micros, fsp, false);
}

const T = 84;
const SPACE = 32;
const digit = (n: number): number => 48 + ((n | 0) % 10);

/**
 * 'YYYY-MM-DD?HH:MM:SS[.f..][Z]' (years 0-9999), for no and six fraction digits as one flat string made by
 * String.fromCharCode. A template literal made a tree of a dozen small strings that the first reader of the value
 * (the zero-date check, a sink's serializer) had to flatten: about four times the cost per value.
 */
function dateTimeText(y: number, mo: number, d: number, sep: number, h: number, mi: number, s: number, micros: number, fsp: number, zulu: boolean): string {
  const fromCharCode = String.fromCharCode;
  if (fsp === 6) {
    const f0 = digit(micros / 100000);
    const f1 = digit(micros / 10000);
    const f2 = digit(micros / 1000);
    const f3 = digit(micros / 100);
    const f4 = digit(micros / 10);
    const f5 = digit(micros);
    return zulu
      ? fromCharCode(digit(y / 1000), digit(y / 100), digit(y / 10), digit(y), 45, digit(mo / 10), digit(mo), 45, digit(d / 10), digit(d), sep, digit(h / 10), digit(h), 58, digit(mi / 10), digit(mi), 58, digit(s / 10), digit(s), 46, f0, f1, f2, f3, f4, f5, 90)
      : fromCharCode(digit(y / 1000), digit(y / 100), digit(y / 10), digit(y), 45, digit(mo / 10), digit(mo), 45, digit(d / 10), digit(d), sep, digit(h / 10), digit(h), 58, digit(mi / 10), digit(mi), 58, digit(s / 10), digit(s), 46, f0, f1, f2, f3, f4, f5);
  }
  const base = fromCharCode(digit(y / 1000), digit(y / 100), digit(y / 10), digit(y), 45, digit(mo / 10), digit(mo), 45, digit(d / 10), digit(d), sep, digit(h / 10), digit(h), 58, digit(mi / 10), digit(mi), 58, digit(s / 10), digit(s));
  if (fsp <= 0) return zulu ? `${base}Z` : base;
  return `${base}${fraction(micros, fsp)}${zulu ? 'Z' : ''}`;
}

/** Bytes of the fractional part of TIME2/DATETIME2/TIMESTAMP2 for a fsp. */
export function fracBytes(fsp: number): number {
  return (fsp + 1) >> 1;
}

/** Reads the fractional part (big-endian) of a *2 temporal type as microseconds; signed for TIME2. */
function readFrac(buf: Uint8Array, pos: number, fsp: number): number {
  switch (fsp) {
    case 1:
    case 2:
      return buf[pos] * 10000;
    case 3:
    case 4:
      return ((buf[pos] << 8) | buf[pos + 1]) * 100;
    case 5:
    case 6:
      return (buf[pos] << 16) | (buf[pos + 1] << 8) | buf[pos + 2];
    default:
      return 0;
  }
}

/** DATE (3 bytes little-endian: day 5 bits, month 4 bits, year 15 bits). */
export function decodeDate(buf: Uint8Array, pos: number): string {
  const v = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16);
  return formatDate(v >>> 9, (v >>> 5) & 15, v & 31);
}

/** Old TIME (3 bytes little-endian signed HHMMSS). */
export function decodeTimeV1(buf: Uint8Array, pos: number): string {
  let v = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16);
  if (v & 0x800000) v -= 0x1000000;
  const neg = v < 0;
  const a = Math.abs(v);
  return formatTime(neg, Math.floor(a / 10000), Math.floor(a / 100) % 100, a % 100, 0, 0);
}

/** TIME2 (MySQL 5.6.4+ / MariaDB with mysql56_temporal_format): 3 bytes big-endian + fraction, offset-encoded. */
export function decodeTime2(buf: Uint8Array, pos: number, fsp: number): string {
  // my_time_packed_from_binary, then TIME_from_longlong_time_packed
  let packed: number; // intpart * 2^24 + frac (microseconds), signed
  const u3 = (buf[pos] << 16) | (buf[pos + 1] << 8) | buf[pos + 2];
  switch (fsp) {
    case 1:
    case 2: {
      let intpart = u3 - 0x800000;
      let frac = buf[pos + 3];
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x100;
      }
      packed = intpart * 0x1000000 + frac * 10000;
      break;
    }
    case 3:
    case 4: {
      let intpart = u3 - 0x800000;
      let frac = (buf[pos + 3] << 8) | buf[pos + 4];
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x10000;
      }
      packed = intpart * 0x1000000 + frac * 100;
      break;
    }
    case 5:
    case 6:
      packed = u3 * 0x1000000 + ((buf[pos + 3] << 16) | (buf[pos + 4] << 8) | buf[pos + 5]) - 0x800000000000;
      break;
    default:
      packed = (u3 - 0x800000) * 0x1000000;
  }
  const neg = packed < 0;
  const abs = neg ? -packed : packed;
  const micros = abs % 0x1000000;
  const hms = Math.floor(abs / 0x1000000);
  return formatTime(neg, (hms >>> 12) % 1024, (hms >>> 6) % 64, hms % 64, micros, fsp);
}

/** Old DATETIME (8 bytes little-endian integer YYYYMMDDhhmmss). */
export function decodeDateTimeV1(buf: Uint8Array, pos: number): string {
  const lo = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] * 0x1000000);
  const hi = buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16) | (buf[pos + 7] * 0x1000000);
  let v = hi * 0x100000000 + (lo >>> 0);
  const s = v % 100;
  v = Math.floor(v / 100);
  const mi = v % 100;
  v = Math.floor(v / 100);
  const h = v % 100;
  v = Math.floor(v / 100);
  const d = v % 100;
  v = Math.floor(v / 100);
  const mo = v % 100;
  const y = Math.floor(v / 100);
  return formatDateTime(y, mo, d, h, mi, s, 0, 0);
}

/** DATETIME2: 5 bytes big-endian (offset 0x8000000000) + fraction. `sep` between date and time ('T': ISO form). */
export function decodeDateTime2(buf: Uint8Array, pos: number, fsp: number, sep = ' '): string {
  const intpart = buf[pos] * 0x100000000 + ((buf[pos + 1] << 24) >>> 0) + ((buf[pos + 2] << 16) | (buf[pos + 3] << 8) | buf[pos + 4]) - 0x8000000000;
  const micros = readFrac(buf, pos + 5, fsp);
  const ymdhms = intpart;
  const ymd = Math.floor(ymdhms / 0x20000); // >> 17
  const hms = ymdhms % 0x20000;
  const ym = ymd >>> 5;
  return formatDateTime(Math.floor(ym / 13), ym % 13, ymd % 32, hms >>> 12, (hms >>> 6) % 64, hms % 64, micros, fsp, sep);
}

/** TIMESTAMP2 seconds (4 bytes big-endian). */
export function readTimestamp2Secs(buf: Uint8Array, pos: number): number {
  return ((buf[pos] << 24) >>> 0) + ((buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]);
}

/** TIMESTAMP2 fraction in microseconds. */
export function readTimestamp2Micros(buf: Uint8Array, pos: number, fsp: number): number {
  return readFrac(buf, pos + 4, fsp);
}

/**
 * Epoch seconds + microseconds -> 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z' (UTC), the in-memory form of TIMESTAMP_LTZ.
 * 0 seconds is MySQL's zero TIMESTAMP: returned as '0000-00-00 00:00:00' (the caller applies the zero-date rule).
 */
export function formatEpoch(secs: number, micros: number, fsp: number): string {
  if (secs === 0 && micros === 0) return '0000-00-00 00:00:00' + fraction(0, fsp);
  const days = Math.floor(secs / 86400);
  const rem = secs - days * 86400;
  // no Date per value: the civil date from days since 1970-01-01, packed (no tuple either)
  const civil = packedCivilFromDays(days);
  const year = Math.floor(civil / 10000);
  const md = civil - year * 10000;
  const month = Math.floor(md / 100);
  const day = md % 100;
  return dateTimeText(year, month, day, T, Math.floor(rem / 3600), Math.floor(rem / 60) % 60, rem % 60, micros, fsp, true);
}

/** Packed long long of MySQL JSON opaque temporal values and TIME/DATETIME internals. */
export function formatPackedDateTime(packed: bigint, kind: 'date' | 'datetime' | 'time'): string {
  const neg = packed < 0n;
  const abs = neg ? -packed : packed;
  const micros = Number(abs & 0xffffffn);
  const intpart = abs >> 24n;
  if (kind === 'time') {
    const hms = Number(intpart);
    return formatTime(neg, (hms >>> 12) % 1024, (hms >>> 6) % 64, hms % 64, micros, 6);
  }
  const ymd = Number(intpart >> 17n);
  const hms = Number(intpart & 0x1ffffn);
  const ym = ymd >>> 5;
  if (kind === 'date') return formatDate(Math.floor(ym / 13), ym % 13, ymd % 32);
  return formatDateTime(Math.floor(ym / 13), ym % 13, ymd % 32, hms >>> 12, (hms >>> 6) % 64, hms % 64, micros, 6);
}
