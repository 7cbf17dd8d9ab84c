import { DataTypes, type DataType, type PrecisionType } from '@cdc/core';
import { strict1, strict2, strict3, type Bound, type EvalContext, type Evaluator } from '../compile.js';
import { dataError } from '../errors.js';
import { isCharacter } from '../type-rules.js';
import { datePattern, formatFields, parseWithPattern, type DatePattern } from '../values/date-format.js';
import { BIGINT_MIN, toIndex } from '../values/numbers.js';
import {
  addMonths,
  daysFromCivil,
  fieldsOf,
  formatDate,
  formatTime,
  formatTimestamp,
  isoWeek,
  NANOS_PER_SECOND,
  parseDate,
  parseTime,
  parseTimestamp,
  SECONDS_PER_DAY,
  type DateTime,
  type Fields,
} from '../values/temporal.js';
import { localToUtc, timeZone, utcToLocal, type TimeZone } from '../values/time-zone.js';
import { anyNullable, expectArg, unitArg, type BindContext, type FunctionDef } from './registry.js';

const DEFAULT_DATETIME = 'yyyy-MM-dd HH:mm:ss';
const DEFAULT_DATE = 'yyyy-MM-dd';

/** The event's clock as a UTC instant. */
function nowUtc(c: EvalContext): DateTime {
  const sec = Math.floor(c.nowMs / 1000);
  return { sec, nano: (c.nowMs - sec * 1000) * 1_000_000 };
}

function nowLocal(c: EvalContext, zone: TimeZone): DateTime {
  const t = nowUtc(c);
  return { sec: utcToLocal(t.sec, zone), nano: t.nano };
}

function niladic(name: string, type: DataType, f: (c: EvalContext, zone: TimeZone) => unknown): FunctionDef {
  return {
    name,
    synopsis: name,
    minArgs: 0,
    maxArgs: 0,
    bind(_args, ctx) {
      const zone = ctx.zone;
      return { type, eval: (c) => f(c, zone), usesNow: true };
    },
  };
}

const localTime = (c: EvalContext, zone: TimeZone) => {
  const t = nowLocal(c, zone);
  return formatTime((t.sec - Math.floor(t.sec / SECONDS_PER_DAY) * SECONDS_PER_DAY) * NANOS_PER_SECOND, 0);
};

/** Wall-clock fields of a temporal value; TIMESTAMP_LTZ is seen in the session zone. */
function fieldsReader(t: DataType, zone: TimeZone): (v: unknown) => Fields | undefined {
  switch (t.type) {
    case 'DATE':
      return (v) => {
        const d = parseDate(v as string);
        return d === undefined ? undefined : fieldsOf({ sec: d * SECONDS_PER_DAY, nano: 0 });
      };
    case 'TIME':
      return (v) => {
        const n = parseTime(v as string);
        if (n === undefined) return undefined;
        const sec = Math.floor(n / NANOS_PER_SECOND);
        return fieldsOf({ sec, nano: n - sec * NANOS_PER_SECOND });
      };
    case 'TIMESTAMP_LTZ':
      return (v) => {
        const p = parseTimestamp(v as string);
        if (!p) return undefined;
        const utc = p.sec - (p.offset ?? 0);
        const off = zone.offsetAt(utc);
        return fieldsOf({ sec: utc + off, nano: p.nano }, off);
      };
    default:
      return (v) => {
        const p = parseTimestamp(v as string);
        if (!p) return undefined;
        return p.offset === undefined ? fieldsOf(p, zone.offsetAt(localToUtc(p.sec, zone))) : fieldsOf({ sec: utcToLocal(p.sec - p.offset, zone), nano: p.nano }, zone.offsetAt(p.sec - p.offset));
      };
  }
}

const EXTRACT_UNITS = ['YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'DOY', 'DOW', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND'];

function extractField(unit: string): (f: Fields) => bigint {
  switch (unit) {
    case 'YEAR':
      return (f) => BigInt(f.year);
    case 'QUARTER':
      return (f) => BigInt(Math.ceil(f.month / 3));
    case 'MONTH':
      return (f) => BigInt(f.month);
    case 'WEEK':
      return (f) => BigInt(isoWeek(f));
    case 'DAY':
      return (f) => BigInt(f.day);
    case 'DOY':
      return (f) => BigInt(f.doy);
    case 'DOW':
      // SQL counts Sunday as 1
      return (f) => BigInt((f.dow % 7) + 1);
    case 'HOUR':
      return (f) => BigInt(f.hour);
    case 'MINUTE':
      return (f) => BigInt(f.minute);
    case 'SECOND':
      return (f) => BigInt(f.second);
    case 'MILLISECOND':
      return (f) => BigInt(f.second * 1000 + Math.floor(f.nano / 1e6));
    default:
      return (f) => BigInt(f.second * 1_000_000 + Math.floor(f.nano / 1e3));
  }
}

function extractBind(def: FunctionDef, unit: string, arg: Bound, ctx: BindContext) {
  expectArg(ctx, def, [arg], 0, 'temporal');
  const t = arg.isNull ? DataTypes.TIMESTAMP() : arg.type;
  if (t.type === 'TIME' && ['YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'DOY', 'DOW'].includes(unit)) {
    ctx.fail(arg.expr, `${unit} cannot be extracted from a TIME`);
  }
  const read = fieldsReader(t, ctx.zone);
  const get = extractField(unit);
  return {
    type: DataTypes.BIGINT(arg.isNull || t.nullable),
    eval: strict1(arg, (v) => {
      const f = read(v);
      if (!f) throw dataError(`'${String(v)}' is not a valid ${t.type}`);
      return get(f);
    }),
  };
}

const EXTRACT: FunctionDef = {
  name: 'EXTRACT',
  synopsis: 'EXTRACT(unit FROM temporal)',
  minArgs: 2,
  maxArgs: 2,
  bind(args, ctx) {
    const unit = unitArg(ctx, EXTRACT, args[0], EXTRACT_UNITS);
    return extractBind(EXTRACT, unit, args[1], ctx);
  },
};

const EXTRACT_SHORTHANDS: [string, string][] = [
  ['YEAR', 'YEAR'],
  ['QUARTER', 'QUARTER'],
  ['MONTH', 'MONTH'],
  ['WEEK', 'WEEK'],
  ['DAYOFYEAR', 'DOY'],
  ['DAYOFMONTH', 'DAY'],
  ['DAYOFWEEK', 'DOW'],
  ['HOUR', 'HOUR'],
  ['MINUTE', 'MINUTE'],
  ['SECOND', 'SECOND'],
];

/** A constant pattern compiled once (a ConfigError when invalid), or a per-row one. */
function patternOf(b: Bound | undefined, fallback: string, ctx: BindContext): (v: unknown) => DatePattern {
  if (!b) {
    const p = datePattern(fallback);
    return () => p;
  }
  if (b.constant && typeof b.value === 'string') {
    let p: DatePattern;
    try {
      p = datePattern(b.value);
    } catch (err) {
      return ctx.fail(b.expr, (err as Error).message.replace(/^\[cdc\] /, ''));
    }
    return () => p;
  }
  return (v) => datePattern(v as string);
}

/** Converts the value of a timestamp-ish argument to the wall clock of `zone` plus its offset. */
function toZonedWall(t: DataType, zone: TimeZone): (v: unknown) => { wall: DateTime; offset: number } | undefined {
  if (t.type === 'DATE') {
    return (v) => {
      const d = parseDate(v as string);
      if (d === undefined) return undefined;
      const wall = { sec: d * SECONDS_PER_DAY, nano: 0 };
      return { wall, offset: zone.offsetAt(localToUtc(wall.sec, zone)) };
    };
  }
  if (t.type === 'TIMESTAMP_LTZ' || isCharacter(t)) {
    return (v) => {
      const p = parseTimestamp(v as string);
      if (!p) return undefined;
      if (t.type !== 'TIMESTAMP_LTZ' && p.offset === undefined) return { wall: p, offset: zone.offsetAt(localToUtc(p.sec, zone)) };
      const utc = p.sec - (p.offset ?? 0);
      const offset = zone.offsetAt(utc);
      return { wall: { sec: utc + offset, nano: p.nano }, offset };
    };
  }
  return (v) => {
    const p = parseTimestamp(v as string);
    return p && { wall: p, offset: zone.offsetAt(localToUtc(p.sec, zone)) };
  };
}

const DATE_FORMAT: FunctionDef = {
  name: 'DATE_FORMAT',
  synopsis: "DATE_FORMAT(timestamp | date | time, 'yyyy-MM-dd HH:mm:ss')",
  minArgs: 2,
  maxArgs: 2,
  bind(args, ctx) {
    expectArg(ctx, DATE_FORMAT, args, 0, 'temporal', 'string');
    expectArg(ctx, DATE_FORMAT, args, 1, 'string');
    const t = args[0].isNull ? DataTypes.TIMESTAMP() : args[0].type;
    const pattern = patternOf(args[1], DEFAULT_DATETIME, ctx);
    if (t.type === 'TIME') {
      const read = fieldsReader(t, ctx.zone);
      return { type: DataTypes.STRING(true), eval: strict2(args[0], args[1], (v, p) => {
        const f = read(v);
        return f ? formatFields(pattern(p), f) : null;
      }) };
    }
    const read = toZonedWall(t, ctx.zone);
    return { type: DataTypes.STRING(true), eval: strict2(args[0], args[1], (v, p) => {
      const z = read(v);
      return z ? formatFields(pattern(p), fieldsOf(z.wall, z.offset)) : null;
    }) };
  },
};

const DATE_FORMAT_TZ: FunctionDef = {
  name: 'DATE_FORMAT_TZ',
  synopsis: "DATE_FORMAT_TZ(timestamp, format, 'Asia/Shanghai')",
  minArgs: 2,
  maxArgs: 3,
  bind(args, ctx) {
    expectArg(ctx, DATE_FORMAT_TZ, args, 0, 'timestamp');
    args.slice(1).forEach((_, i) => expectArg(ctx, DATE_FORMAT_TZ, args, i + 1, 'string'));
    const t = args[0].isNull ? DataTypes.TIMESTAMP() : args[0].type;
    const zoneArg = args[args.length - 1];
    const fmtArg = args.length === 3 ? args[1] : undefined;
    const pattern = patternOf(fmtArg, DEFAULT_DATETIME, ctx);
    let constZone: TimeZone | undefined;
    if (zoneArg.constant && typeof zoneArg.value === 'string') {
      try {
        constZone = timeZone(zoneArg.value);
      } catch (err) {
        ctx.fail(zoneArg.expr, (err as Error).message.replace(/^\[cdc\] /, '').replace(/ — .*$/, ''));
      }
    }
    const zoneOf = (z: unknown) => constZone ?? timeZone(z as string);
    const format = (v: unknown, f: unknown, z: unknown) => {
      const p = parseTimestamp(v as string);
      if (!p) return null;
      const zone = zoneOf(z);
      // a TIMESTAMP is read as a wall time in that zone (java's atZone); a TIMESTAMP_LTZ is moved into it
      const utc = t.type === 'TIMESTAMP_LTZ' || p.offset !== undefined ? p.sec - (p.offset ?? 0) : localToUtc(p.sec, zone);
      const offset = zone.offsetAt(utc);
      return formatFields(pattern(f), fieldsOf({ sec: utc + offset, nano: p.nano }, offset));
    };
    return {
      type: DataTypes.STRING(true),
      eval: fmtArg ? strict3(args[0], fmtArg, zoneArg, format) : strict2(args[0], zoneArg, (v, z) => format(v, undefined, z)),
    };
  },
};

const DIFF_UNITS = ['SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH', 'YEAR'];
const INT_MAX = 2147483647;

function timestampDiff(name: string): FunctionDef {
  const def: FunctionDef = {
    name,
    synopsis: `${name}(unit, timestamp1, timestamp2)`,
    minArgs: 3,
    maxArgs: 3,
    bind(args, ctx) {
      const unit = unitArg(ctx, def, args[0], DIFF_UNITS);
      expectArg(ctx, def, args, 1, 'datetime');
      expectArg(ctx, def, args, 2, 'datetime');
      const zone = ctx.zone;
      // both sides as UTC instants and the calendar fields Flink CDC reads (session zone for TIMESTAMP, UTC for LTZ)
      const reader = (b: Bound) => {
        const t = b.isNull ? DataTypes.TIMESTAMP() : b.type;
        return (v: unknown): { utc: DateTime; fields: Fields } | undefined => {
          if (t.type === 'DATE') {
            const d = parseDate(v as string);
            if (d === undefined) return undefined;
            const wall = { sec: d * SECONDS_PER_DAY, nano: 0 };
            return { utc: { sec: localToUtc(wall.sec, zone), nano: 0 }, fields: fieldsOf(wall) };
          }
          const p = parseTimestamp(v as string);
          if (!p) return undefined;
          if (t.type === 'TIMESTAMP_LTZ' || p.offset !== undefined) {
            const utc = { sec: p.sec - (p.offset ?? 0), nano: p.nano };
            return { utc, fields: fieldsOf(utc) };
          }
          return { utc: { sec: localToUtc(p.sec, zone), nano: p.nano }, fields: fieldsOf(p) };
        };
      };
      const ra = reader(args[1]);
      const rb = reader(args[2]);
      const f = (x: unknown, y: unknown) => {
        const a = ra(x);
        const b = rb(y);
        if (!a || !b) throw dataError(`${name}: invalid timestamp '${String(a ? y : x)}'`);
        if (unit === 'MONTH') return b.fields.year * 12 + b.fields.month - (a.fields.year * 12 + a.fields.month);
        if (unit === 'YEAR') return b.fields.year - a.fields.year;
        const ms = (b.utc.sec - a.utc.sec) * 1000 + Math.trunc(b.utc.nano / 1e6) - Math.trunc(a.utc.nano / 1e6);
        const seconds = Math.trunc(ms / 1000);
        if (seconds > INT_MAX) return null;
        const per = unit === 'SECOND' ? 1 : unit === 'MINUTE' ? 60 : unit === 'HOUR' ? 3600 : 86400;
        return Math.trunc(seconds / per);
      };
      return { type: DataTypes.INT(true), eval: strict2(args[1], args[2], f) };
    },
  };
  return def;
}

const TIMESTAMPADD: FunctionDef = {
  name: 'TIMESTAMPADD',
  synopsis: 'TIMESTAMPADD(unit, interval, timestamp)',
  minArgs: 3,
  maxArgs: 3,
  bind(args, ctx) {
    const unit = unitArg(ctx, TIMESTAMPADD, args[0], [...DIFF_UNITS, 'WEEK', 'QUARTER', 'MILLISECOND', 'MICROSECOND']);
    expectArg(ctx, TIMESTAMPADD, args, 1, 'integer');
    expectArg(ctx, TIMESTAMPADD, args, 2, 'datetime');
    const t = args[2].isNull ? DataTypes.TIMESTAMP(0) : args[2].type;
    const months = unit === 'MONTH' ? 1 : unit === 'QUARTER' ? 3 : unit === 'YEAR' ? 12 : 0;
    const nanosPer: Record<string, bigint> = { MICROSECOND: 1000n, MILLISECOND: 1_000_000n, SECOND: 1_000_000_000n, MINUTE: 60_000_000_000n, HOUR: 3_600_000_000_000n, DAY: 86_400_000_000_000n, WEEK: 604_800_000_000_000n };
    const step = nanosPer[unit] ?? 0n;
    const add = (wall: DateTime, n: number): DateTime => {
      if (months) {
        const days = Math.floor(wall.sec / SECONDS_PER_DAY);
        return { sec: addMonths(days, n * months) * SECONDS_PER_DAY + (wall.sec - days * SECONDS_PER_DAY), nano: wall.nano };
      }
      const total = BigInt(wall.sec) * 1_000_000_000n + BigInt(wall.nano) + BigInt(n) * step;
      let s = total / 1_000_000_000n;
      let ns = total % 1_000_000_000n;
      if (ns < 0n) {
        ns += 1_000_000_000n;
        s -= 1n;
      }
      return { sec: Number(s), nano: Number(ns) };
    };
    if (t.type === 'DATE') {
      const dateOnly = months > 0 || unit === 'DAY' || unit === 'WEEK';
      const type = dateOnly ? DataTypes.DATE(true) : DataTypes.TIMESTAMP(unit === 'MICROSECOND' ? 6 : unit === 'MILLISECOND' ? 3 : 0, true);
      return { type, eval: strict2(args[1], args[2], (n, v) => {
        const r = add({ sec: parseDate(v as string)! * SECONDS_PER_DAY, nano: 0 }, toIndex(n));
        return dateOnly ? formatDate(Math.floor(r.sec / SECONDS_PER_DAY)) : formatTimestamp(r, (type as PrecisionType).precision, false);
      }) };
    }
    const p = Math.max((t as PrecisionType).precision, unit === 'MICROSECOND' ? 6 : unit === 'MILLISECOND' ? 3 : 0);
    const ltz = t.type === 'TIMESTAMP_LTZ';
    // TIMESTAMP is wall-clock arithmetic; TIMESTAMP_LTZ follows the UTC calendar, as in Flink CDC
    return {
      type: { type: t.type, precision: p, nullable: true } as PrecisionType,
      eval: strict2(args[1], args[2], (n, v) => {
        const ts = parseTimestamp(v as string)!;
        return formatTimestamp(add({ sec: ts.sec - (ts.offset ?? 0), nano: ts.nano }, toIndex(n)), p, ltz);
      }),
    };
  },
};

const TO_DATE: FunctionDef = {
  name: 'TO_DATE',
  synopsis: "TO_DATE(string[, 'yyyy-MM-dd']) or TO_DATE(timestamp)",
  minArgs: 1,
  maxArgs: 2,
  bind(args, ctx) {
    expectArg(ctx, TO_DATE, args, 0, 'string', 'timestamp', 'date');
    const t = args[0].type;
    if (!args[0].isNull && !isCharacter(t)) {
      if (args.length > 1) ctx.fail(args[1].expr, 'TO_DATE(timestamp) takes no format', "use TO_DATE(string, 'format') to parse text");
      // Flink CDC takes a TIMESTAMP's calendar date, and a TIMESTAMP_LTZ's date in UTC
      return { type: DataTypes.DATE(true), eval: strict1(args[0], (v) => {
        const p = parseTimestamp(v as string);
        return p ? formatDate(Math.floor((p.sec - (p.offset ?? 0)) / SECONDS_PER_DAY)) : null;
      }) };
    }
    if (args.length > 1) expectArg(ctx, TO_DATE, args, 1, 'string');
    const pattern = patternOf(args[1], DEFAULT_DATE, ctx);
    const parse = (v: unknown, f: unknown) => {
      // an unparseable date gives NULL, as in Flink CDC
      let r;
      try {
        r = parseWithPattern(pattern(f), v as string);
      } catch {
        return null;
      }
      return r ? formatDate(daysFromCivil(r.year, r.month, r.day)) : null;
    };
    return { type: DataTypes.DATE(true), eval: args.length === 1 ? strict1(args[0], (v) => parse(v, undefined)) : strict2(args[0], args[1], parse) };
  },
};

/** Parses a date-time string with a pattern into a UTC instant or a wall time in `zone`. */
function parseDateTime(pattern: DatePattern, text: string, zone: TimeZone): { wall: DateTime; utc: number; digits: number } | undefined {
  const r = parseWithPattern(pattern, text);
  if (!r) return undefined;
  const local = daysFromCivil(r.year, r.month, r.day) * SECONDS_PER_DAY + r.hour * 3600 + r.minute * 60 + r.second;
  const utc = r.offset === undefined ? localToUtc(local, zone) : local - r.offset;
  const wall = r.offset === undefined ? local : utcToLocal(utc, zone);
  return { wall: { sec: wall, nano: r.nano }, utc, digits: r.fractionDigits };
}

const TO_TIMESTAMP: FunctionDef = {
  name: 'TO_TIMESTAMP',
  synopsis: "TO_TIMESTAMP(string[, 'yyyy-MM-dd HH:mm:ss'])",
  minArgs: 1,
  maxArgs: 2,
  bind(args, ctx) {
    expectArg(ctx, TO_TIMESTAMP, args, 0, 'string');
    if (args.length > 1) expectArg(ctx, TO_TIMESTAMP, args, 1, 'string');
    const pattern = patternOf(args[1], DEFAULT_DATETIME, ctx);
    // TIMESTAMP(3) as in Flink CDC, or more when a constant format asks for more fraction digits
    const constant = args[1] === undefined ? datePattern(DEFAULT_DATETIME) : args[1].constant && typeof args[1].value === 'string' ? pattern(args[1].value) : undefined;
    const p = Math.min(9, Math.max(3, constant?.fractionDigits ?? 3));
    const zone = ctx.zone;
    const f = (v: unknown, fmt: unknown) => {
      const r = parseDateTime(pattern(fmt), v as string, zone);
      if (!r) throw dataError(`TO_TIMESTAMP cannot parse '${String(v)}' with format '${pattern(fmt).text}'`);
      if (r.digits > p) throw dataError(`TO_TIMESTAMP('${String(v)}') has ${r.digits} fraction digits, more than TIMESTAMP(${p})`, "give a format with as many S, e.g. 'yyyy-MM-dd HH:mm:ss.SSSSSS'");
      return formatTimestamp(r.wall, p, false);
    };
    return { type: DataTypes.TIMESTAMP(p, true), eval: args.length === 1 ? strict1(args[0], (v) => f(v, undefined)) : strict2(args[0], args[1], f) };
  },
};

const TO_TIMESTAMP_LTZ: FunctionDef = {
  name: 'TO_TIMESTAMP_LTZ',
  synopsis: "TO_TIMESTAMP_LTZ(epoch[, 0 | 3]) or TO_TIMESTAMP_LTZ(string[, format[, zone]])",
  minArgs: 1,
  maxArgs: 3,
  bind(args, ctx) {
    expectArg(ctx, TO_TIMESTAMP_LTZ, args, 0, 'integer', 'string');
    if (!args[0].isNull && !isCharacter(args[0].type)) {
      if (args.length > 2) ctx.fail(args[2].expr, 'TO_TIMESTAMP_LTZ(epoch, precision) takes two arguments');
      let unit = 3;
      if (args.length === 2) {
        expectArg(ctx, TO_TIMESTAMP_LTZ, args, 1, 'integer');
        if (!args[1].constant || (Number(args[1].value) !== 0 && Number(args[1].value) !== 3)) ctx.fail(args[1].expr, 'the precision of TO_TIMESTAMP_LTZ must be the constant 0 (seconds) or 3 (milliseconds)');
        unit = Number(args[1].value);
      }
      return { type: DataTypes.TIMESTAMP_LTZ(3, true), eval: strict1(args[0], (v) => {
        const n = BigInt(v as number | bigint) * (unit === 0 ? 1000n : 1n);
        let sec = n / 1000n;
        let ms = n % 1000n;
        if (ms < 0n) {
          ms += 1000n;
          sec -= 1n;
        }
        return formatTimestamp({ sec: Number(sec), nano: Number(ms) * 1_000_000 }, 3, true);
      }) };
    }
    args.slice(1).forEach((_, i) => expectArg(ctx, TO_TIMESTAMP_LTZ, args, i + 1, 'string'));
    const pattern = patternOf(args[1], 'yyyy-MM-dd HH:mm:ss.SSS', ctx);
    const zoneArg = args[2];
    // Flink CDC reads the text in UTC unless a zone is given
    const zoneOf = (z: unknown) => (z === undefined ? timeZone('UTC') : timeZone(z as string));
    const f = (v: unknown, fmt: unknown, z: unknown) => {
      const r = parseDateTime(pattern(fmt), v as string, zoneOf(z));
      if (!r) throw dataError(`TO_TIMESTAMP_LTZ cannot parse '${String(v)}' with format '${pattern(fmt).text}'`);
      return formatTimestamp({ sec: r.utc, nano: r.wall.nano }, 3, true);
    };
    const ev: Evaluator =
      args.length === 1 ? strict1(args[0], (v) => f(v, undefined, undefined)) : args.length === 2 ? strict2(args[0], args[1], (v, fmt) => f(v, fmt, undefined)) : strict3(args[0], args[1], zoneArg!, f);
    return { type: DataTypes.TIMESTAMP_LTZ(3, true), eval: ev };
  },
};

const FROM_UNIXTIME: FunctionDef = {
  name: 'FROM_UNIXTIME',
  synopsis: "FROM_UNIXTIME(seconds[, 'yyyy-MM-dd HH:mm:ss'])",
  minArgs: 1,
  maxArgs: 2,
  bind(args, ctx) {
    expectArg(ctx, FROM_UNIXTIME, args, 0, 'integer');
    if (args.length > 1) expectArg(ctx, FROM_UNIXTIME, args, 1, 'string');
    const pattern = patternOf(args[1], DEFAULT_DATETIME, ctx);
    const zone = ctx.zone;
    const f = (v: unknown, fmt: unknown) => {
      const utc = Number(v);
      const offset = zone.offsetAt(utc);
      return formatFields(pattern(fmt), fieldsOf({ sec: utc + offset, nano: 0 }, offset));
    };
    return { type: DataTypes.STRING(true), eval: args.length === 1 ? strict1(args[0], (v) => f(v, undefined)) : strict2(args[0], args[1], f) };
  },
};

const UNIX_TIMESTAMP: FunctionDef = {
  name: 'UNIX_TIMESTAMP',
  synopsis: "UNIX_TIMESTAMP() or UNIX_TIMESTAMP(string[, 'yyyy-MM-dd HH:mm:ss'])",
  minArgs: 0,
  maxArgs: 2,
  bind(args, ctx) {
    if (args.length === 0) return { type: DataTypes.BIGINT(false), eval: (c) => BigInt(Math.trunc(c.nowMs / 1000)), usesNow: true };
    args.forEach((_, i) => expectArg(ctx, UNIX_TIMESTAMP, args, i, 'string'));
    const pattern = patternOf(args[1], DEFAULT_DATETIME, ctx);
    const zone = ctx.zone;
    // text that does not parse gives Long.MIN_VALUE, as Flink CDC's does
    const f = (v: unknown, fmt: unknown) => {
      const r = parseDateTime(pattern(fmt), v as string, zone);
      return r ? BigInt(r.utc) : BIGINT_MIN;
    };
    return { type: DataTypes.BIGINT(anyNullable(args)), eval: args.length === 1 ? strict1(args[0], (v) => f(v, undefined)) : strict2(args[0], args[1], f) };
  },
};

const DATE_ADD: FunctionDef = {
  name: 'DATE_ADD',
  synopsis: 'DATE_ADD(date | timestamp | string, days)',
  minArgs: 2,
  maxArgs: 2,
  bind(args, ctx) {
    expectArg(ctx, DATE_ADD, args, 0, 'datetime', 'string');
    expectArg(ctx, DATE_ADD, args, 1, 'integer');
    const t = args[0].isNull ? DataTypes.DATE() : args[0].type;
    const read = toZonedWall(t, ctx.zone);
    // Flink CDC returns the date as 'yyyy-MM-dd' text (a STRING), not a DATE
    return { type: DataTypes.STRING(true), eval: strict2(args[0], args[1], (v, n) => {
      const z = read(v);
      if (!z) throw dataError(`DATE_ADD: unparseable date '${String(v)}'`);
      return formatDate(Math.floor(z.wall.sec / SECONDS_PER_DAY) + toIndex(n));
    }) };
  },
};

const TIMESTAMP_LTZ3 = DataTypes.TIMESTAMP_LTZ(3, false);

export const TEMPORAL_FUNCTIONS: FunctionDef[] = [
  niladic('LOCALTIME', DataTypes.TIME(0, false), localTime),
  niladic('CURRENT_TIME', DataTypes.TIME(0, false), localTime),
  niladic('LOCALTIMESTAMP', DataTypes.TIMESTAMP(3, false), (c, zone) => formatTimestamp(nowLocal(c, zone), 3, false)),
  niladic('CURRENT_DATE', DataTypes.DATE(false), (c, zone) => formatDate(Math.floor(nowLocal(c, zone).sec / SECONDS_PER_DAY))),
  niladic('CURRENT_TIMESTAMP', TIMESTAMP_LTZ3, (c) => formatTimestamp(nowUtc(c), 3, true)),
  niladic('NOW', TIMESTAMP_LTZ3, (c) => formatTimestamp(nowUtc(c), 3, true)),
  EXTRACT,
  ...EXTRACT_SHORTHANDS.map(([name, unit]): FunctionDef => {
    const def: FunctionDef = {
      name,
      synopsis: `${name}(temporal)`,
      minArgs: 1,
      maxArgs: 1,
      bind: (args, ctx) => extractBind(def, unit, args[0], ctx),
    };
    return def;
  }),
  DATE_FORMAT,
  DATE_FORMAT_TZ,
  timestampDiff('TIMESTAMPDIFF'),
  timestampDiff('TIMESTAMP_DIFF'),
  TIMESTAMPADD,
  TO_DATE,
  TO_TIMESTAMP,
  TO_TIMESTAMP_LTZ,
  FROM_UNIXTIME,
  UNIX_TIMESTAMP,
  DATE_ADD,
];

