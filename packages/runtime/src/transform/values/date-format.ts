import { dataError } from '../errors.js';
import { daysFromCivil, daysInMonth, isoWeek, type Fields } from './temporal.js';

/**
 * Java date-time patterns ('yyyy-MM-dd HH:mm:ss', SimpleDateFormat / DateTimeFormatter letters), as
 * DATE_FORMAT, TO_DATE, TO_TIMESTAMP, FROM_UNIXTIME and UNIX_TIMESTAMP take them. A run of `S` is the
 * fraction of the second with that many digits (DateTimeFormatter's meaning; for SSS it is also
 * SimpleDateFormat's milliseconds), so microseconds survive with SSSSSS.
 */

type Part = { kind: 'literal'; text: string } | { kind: 'field'; letter: string; count: number };

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const KNOWN = new Set('GyuYMLdDEeaHkKhmsSzZXxwWQqnAV'.split(''));
const NUMERIC = new Set('yuYMLdDHkKhmsSwWQqn'.split(''));

export interface DatePattern {
  readonly text: string;
  readonly parts: readonly Part[];
  /** The largest number of fraction digits the pattern writes or reads. */
  readonly fractionDigits: number;
}

const compiled = new Map<string, DatePattern>();

/** Compiles a pattern; a bad pattern is a DataError when it comes from a row, a ConfigError when constant (the caller decides). */
export function datePattern(text: string): DatePattern {
  const hit = compiled.get(text);
  if (hit) return hit;
  const parts: Part[] = [];
  let i = 0;
  let fractionDigits = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      let j = i + 1;
      let lit = '';
      for (;;) {
        if (j >= text.length) throw dataError(`unterminated quote in date pattern "${text}"`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            lit += "'";
            j += 2;
            continue;
          }
          break;
        }
        lit += text[j++];
      }
      parts.push({ kind: 'literal', text: j === i + 1 ? "'" : lit });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!KNOWN.has(c)) throw dataError(`unknown pattern letter '${c}' in date pattern "${text}"`);
      let j = i;
      while (text[j] === c) j++;
      const count = j - i;
      if (c === 'S') fractionDigits = Math.max(fractionDigits, count);
      parts.push({ kind: 'field', letter: c, count });
      i = j;
    } else {
      const last = parts[parts.length - 1];
      if (last?.kind === 'literal') parts[parts.length - 1] = { kind: 'literal', text: last.text + c };
      else parts.push({ kind: 'literal', text: c });
      i++;
    }
  }
  const p: DatePattern = { text, parts, fractionDigits };
  if (compiled.size > 256) compiled.clear();
  compiled.set(text, p);
  return p;
}

const pad = (n: number, w: number) => (n < 0 ? '-' + String(-n).padStart(w, '0') : String(n).padStart(w, '0'));

function offsetText(offset: number, colon: boolean, withSeconds = false): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const h = pad(Math.floor(a / 3600), 2);
  const m = pad(Math.floor((a % 3600) / 60), 2);
  const s = a % 60;
  return sign + h + (colon ? ':' : '') + m + (withSeconds && s ? (colon ? ':' : '') + pad(s, 2) : '');
}

export function formatFields(p: DatePattern, f: Fields): string {
  let out = '';
  for (const part of p.parts) {
    if (part.kind === 'literal') {
      out += part.text;
      continue;
    }
    const n = part.count;
    switch (part.letter) {
      case 'G':
        out += f.year > 0 ? 'AD' : 'BC';
        break;
      case 'y':
      case 'u':
      case 'Y':
        out += n === 2 ? pad(((f.year % 100) + 100) % 100, 2) : pad(f.year, n);
        break;
      case 'M':
      case 'L':
        out += n >= 4 ? MONTHS[f.month - 1] : n === 3 ? MONTHS[f.month - 1].slice(0, 3) : pad(f.month, n);
        break;
      case 'd':
        out += pad(f.day, n);
        break;
      case 'D':
        out += pad(f.doy, n);
        break;
      case 'E':
        out += n >= 4 ? DAYS[f.dow - 1] : DAYS[f.dow - 1].slice(0, 3);
        break;
      case 'e':
        out += pad(f.dow, n);
        break;
      case 'a':
        out += f.hour < 12 ? 'AM' : 'PM';
        break;
      case 'H':
        out += pad(f.hour, n);
        break;
      case 'k':
        out += pad(f.hour === 0 ? 24 : f.hour, n);
        break;
      case 'K':
        out += pad(f.hour % 12, n);
        break;
      case 'h':
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, n);
        break;
      case 'm':
        out += pad(f.minute, n);
        break;
      case 's':
        out += pad(f.second, n);
        break;
      case 'S':
        out += String(f.nano).padStart(9, '0').padEnd(n, '0').slice(0, n);
        break;
      case 'n':
        out += pad(f.nano, n);
        break;
      case 'A':
        out += pad(((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + Math.floor(f.nano / 1e6), n);
        break;
      case 'w':
        out += pad(isoWeek(f), n);
        break;
      case 'W':
        out += pad(Math.floor((f.day - 1) / 7) + 1, n);
        break;
      case 'Q':
      case 'q':
        out += n >= 3 ? `Q${Math.ceil(f.month / 3)}` : pad(Math.ceil(f.month / 3), n);
        break;
      case 'z':
      case 'V':
        out += f.offset === undefined || f.offset === 0 ? 'UTC' : 'GMT' + offsetText(f.offset, true);
        break;
      case 'Z':
        out += offsetText(f.offset ?? 0, n >= 4 || n === 5);
        break;
      case 'X':
        out += (f.offset ?? 0) === 0 ? 'Z' : n === 1 ? offsetText(f.offset!, false).slice(0, 3) : offsetText(f.offset!, n >= 3);
        break;
      case 'x':
        out += n === 1 ? offsetText(f.offset ?? 0, false).slice(0, 3) : offsetText(f.offset ?? 0, n >= 3);
        break;
    }
  }
  return out;
}

export interface ParsedFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nano: number;
  offset: number | undefined;
  fractionDigits: number;
}

/** Parses `input` with the pattern; undefined when it does not match. */
export function parseWithPattern(p: DatePattern, input: string): ParsedFields | undefined {
  const r: ParsedFields = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, nano: 0, offset: undefined, fractionDigits: 0 };
  let pm: boolean | undefined;
  let hour12: number | undefined;
  let doy: number | undefined;
  let i = 0;
  const parts = p.parts;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k];
    if (part.kind === 'literal') {
      for (const ch of part.text) {
        if (ch === ' ') {
          // one space in the pattern stands for any run of blanks, as SimpleDateFormat is lenient there
          if (input[i] !== ' ' && input[i] !== 'T') return undefined;
          while (input[i] === ' ') i++;
          if (input[i] === 'T' && ch === ' ' && /\d/.test(input[i + 1] ?? '')) i++;
        } else if (input[i] === ch) {
          i++;
        } else {
          return undefined;
        }
      }
      continue;
    }
    const { letter, count } = part;
    if (NUMERIC.has(letter)) {
      const nextPart = parts[k + 1];
      const abutting = nextPart?.kind === 'field' && NUMERIC.has(nextPart.letter);
      let sign = 1;
      if ((letter === 'y' || letter === 'u') && (input[i] === '-' || input[i] === '+') && count > 2) {
        sign = input[i] === '-' ? -1 : 1;
        i++;
      }
      const start = i;
      const max = abutting ? count : letter === 'S' ? 9 : letter === 'y' || letter === 'u' || letter === 'Y' ? 9 : Math.max(count, 2) + (letter === 'D' || letter === 'n' || letter === 'A' ? 7 : 0);
      while (i < input.length && i - start < max && input[i] >= '0' && input[i] <= '9') i++;
      if (i === start) return undefined;
      const digits = input.slice(start, i);
      const v = Number(digits) * sign;
      switch (letter) {
        case 'y':
        case 'u':
        case 'Y':
          r.year = count === 2 && digits.length === 2 ? 2000 + v : v;
          break;
        case 'M':
        case 'L':
          r.month = v;
          break;
        case 'd':
          r.day = v;
          break;
        case 'D':
          doy = v;
          break;
        case 'H':
          r.hour = v;
          break;
        case 'k':
          r.hour = v === 24 ? 0 : v;
          break;
        case 'K':
        case 'h':
          hour12 = v % 12;
          break;
        case 'm':
          r.minute = v;
          break;
        case 's':
          r.second = v;
          break;
        case 'S':
          r.nano = Number(digits.padEnd(9, '0').slice(0, 9));
          r.fractionDigits = digits.length;
          break;
        case 'n':
          r.nano = v;
          break;
        default:
          break;
      }
      // 'ss' at the very end also takes a fraction ('2024-01-01 10:00:00.123' with the default pattern)
      if (letter === 's' && k === parts.length - 1 && input[i] === '.' && /\d/.test(input[i + 1] ?? '')) {
        const fs = ++i;
        while (i < input.length && input[i] >= '0' && input[i] <= '9') i++;
        const frac = input.slice(fs, i);
        if (frac.length > 9) return undefined;
        r.nano = Number(frac.padEnd(9, '0'));
        r.fractionDigits = frac.length;
      }
      continue;
    }
    switch (letter) {
      case 'M':
      case 'L': {
        const idx = MONTHS.findIndex((m) => input.slice(i, i + (count >= 4 ? m.length : 3)).toLowerCase() === (count >= 4 ? m : m.slice(0, 3)).toLowerCase());
        if (idx < 0) return undefined;
        r.month = idx + 1;
        i += count >= 4 ? MONTHS[idx].length : 3;
        break;
      }
      case 'E': {
        const idx = DAYS.findIndex((d) => input.slice(i, i + (count >= 4 ? d.length : 3)).toLowerCase() === (count >= 4 ? d : d.slice(0, 3)).toLowerCase());
        if (idx < 0) return undefined;
        i += count >= 4 ? DAYS[idx].length : 3;
        break;
      }
      case 'a': {
        const t = input.slice(i, i + 2).toUpperCase();
        if (t !== 'AM' && t !== 'PM') return undefined;
        pm = t === 'PM';
        i += 2;
        break;
      }
      case 'G':
        if (/^(AD|BC)/i.test(input.slice(i))) i += 2;
        break;
      case 'X':
      case 'x':
      case 'Z':
      case 'z':
      case 'V': {
        const rest = input.slice(i);
        const z = /^(Z|UTC|GMT)?([+-])(\d{2}):?(\d{2})?/i.exec(rest);
        if (z) {
          r.offset = (z[2] === '-' ? -1 : 1) * (Number(z[3]) * 3600 + Number(z[4] ?? 0) * 60);
          i += z[0].length;
        } else if (/^(Z|UTC|GMT)/i.test(rest)) {
          r.offset = 0;
          i += rest[0].toUpperCase() === 'Z' ? 1 : 3;
        } else {
          return undefined;
        }
        break;
      }
      default:
        return undefined;
    }
  }
  if (i !== input.length && input.slice(i).trim() !== '') return undefined;
  if (hour12 !== undefined) r.hour = hour12 + (pm ? 12 : 0);
  else if (pm && r.hour < 12) r.hour += 12;
  if (doy !== undefined) {
    const days = daysFromCivil(r.year, 1, 1) + doy - 1;
    const start = daysFromCivil(r.year, 1, 1);
    if (doy < 1 || days - start >= (daysInMonth(r.year, 2) === 29 ? 366 : 365)) return undefined;
    let m = 1;
    let rem = doy;
    while (rem > daysInMonth(r.year, m)) rem -= daysInMonth(r.year, m++);
    r.month = m;
    r.day = rem;
  }
  if (r.month < 1 || r.month > 12 || r.day < 1 || r.day > daysInMonth(r.year, r.month)) return undefined;
  if (r.hour > 23 || r.minute > 59 || r.second > 59) return undefined;
  return r;
}
