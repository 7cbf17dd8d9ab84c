import { ConfigError } from '@cdc/core';
import { daysFromCivil, SECONDS_PER_DAY } from './temporal.js';

/** A time zone: an IANA name (through Intl) or a fixed offset such as '+08:00'. */
export interface TimeZone {
  readonly id: string;
  /** Seconds east of UTC in force at the given UTC instant. */
  offsetAt(utcSec: number): number;
}

const FIXED_RE = /^(?:UTC|GMT|UT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/i;

const cache = new Map<string, TimeZone>();

/** The machine's zone, which Flink CDC's `pipeline.local-time-zone` also defaults to. */
export function systemTimeZoneId(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

/** Resolves a zone id; a ConfigError names the id when it is unknown. */
export function timeZone(id: string): TimeZone {
  const hit = cache.get(id);
  if (hit) return hit;
  const zone = resolve(id.trim());
  cache.set(id, zone);
  return zone;
}

function resolve(id: string): TimeZone {
  if (/^(Z|UTC|GMT|UT|Etc\/UTC)$/i.test(id)) return fixed(id, 0);
  const m = FIXED_RE.exec(id);
  if (m) {
    const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    if (Number(m[2]) > 18 || secs > 18 * 3600) throw badZone(id);
    return fixed(id, m[1] === '-' ? -secs : secs);
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw badZone(id);
  }
  const memo = new Map<number, number>();
  return {
    id,
    offsetAt(utcSec: number): number {
      // offsets change at minute boundaries in every tz database rule still in use
      const key = Math.floor(utcSec / 60);
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
      const whole = key * 60;
      let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, bc = false;
      for (const p of format.formatToParts(new Date(whole * 1000))) {
        switch (p.type) {
          case 'year': y = Number(p.value); break;
          case 'month': mo = Number(p.value); break;
          case 'day': d = Number(p.value); break;
          case 'hour': h = Number(p.value); break;
          case 'minute': mi = Number(p.value); break;
          case 'second': s = Number(p.value); break;
          case 'era': bc = p.value.startsWith('B'); break;
        }
      }
      if (bc) y = 1 - y;
      const wall = daysFromCivil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + s;
      const offset = wall - whole;
      if (memo.size > 4096) memo.clear();
      memo.set(key, offset);
      return offset;
    },
  };
}

function fixed(id: string, offset: number): TimeZone {
  return { id, offsetAt: () => offset };
}

function badZone(id: string) {
  return new ConfigError(`unknown time zone "${id}"`, { hint: "use an IANA name such as 'Asia/Shanghai' or 'UTC', or an offset such as '+08:00'" });
}

/**
 * The UTC instant of a wall-clock time in a zone, resolved like java.time's ZonedDateTime.ofLocal: in an
 * overlap the earlier offset wins, a time in a gap moves forward by the length of the gap.
 */
export function localToUtc(localSec: number, zone: TimeZone): number {
  const before = zone.offsetAt(localSec - SECONDS_PER_DAY);
  const after = zone.offsetAt(localSec + SECONDS_PER_DAY);
  if (before === after) return localSec - before;
  if (zone.offsetAt(localSec - before) === before) return localSec - before;
  if (zone.offsetAt(localSec - after) === after) return localSec - after;
  return localSec - before;
}

export function utcToLocal(utcSec: number, zone: TimeZone): number {
  return utcSec + zone.offsetAt(utcSec);
}
