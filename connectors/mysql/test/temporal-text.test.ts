/**
 * The binlog's DATETIME and TIMESTAMP text, built character by character, against a reference built with Date and
 * padStart, for every fraction precision and across the whole year range.
 */
import { describe, expect, it } from 'vitest';
import { formatDateTime, formatEpoch } from '../src/binlog/temporal.js';

const p = (n: number, w: number) => String(n).padStart(w, '0');
const frac = (micros: number, fsp: number) => (fsp > 0 ? `.${p(micros, 6).slice(0, fsp)}` : '');

// a fixed-seed generator: the same cases in every run
function* cases(): Generator<number> {
  let x = 0x2545f491;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield (x >>> 0) / 2 ** 32;
  }
}

describe('binlog temporal text', () => {
  it('DATETIME: every fsp, years 0-9999, both separators', () => {
    const r = cases();
    for (let fsp = 0; fsp <= 6; fsp++) {
      for (let i = 0; i < 5000; i++) {
        const v = [9999, 12, 31, 23, 59, 59, 999999].map((max, k) => Math.floor(r.next().value! * (max + 1)));
        const [y, mo, d, h, mi, s, us] = v;
        const micros = fsp === 0 ? 0 : us - (us % 10 ** (6 - fsp));
        const expected = `${p(y, 4)}-${p(mo, 2)}-${p(d, 2)} ${p(h, 2)}:${p(mi, 2)}:${p(s, 2)}${frac(micros, fsp)}`;
        expect(formatDateTime(y, mo, d, h, mi, s, micros, fsp)).toBe(expected);
        expect(formatDateTime(y, mo, d, h, mi, s, micros, fsp, 'T')).toBe(expected.replace(' ', 'T'));
      }
    }
    expect(formatDateTime(0, 0, 0, 0, 0, 0, 0, 6)).toBe('0000-00-00 00:00:00.000000');
    expect(formatDateTime(2024, 2, 29, 0, 0, 0, 1, 6, 'T')).toBe('2024-02-29T00:00:00.000001');
  });

  it('TIMESTAMP: epoch seconds and microseconds to UTC ISO text like Date does, every fsp', () => {
    const r = cases();
    for (let fsp = 0; fsp <= 6; fsp++) {
      for (let i = 0; i < 5000; i++) {
        const secs = 1 + Math.floor(r.next().value! * 2 ** 31 - 2);
        const micros = fsp === 0 ? 0 : (secs * 7919) % 1_000_000 - (((secs * 7919) % 1_000_000) % 10 ** (6 - fsp));
        const expected = `${new Date(secs * 1000).toISOString().slice(0, 19)}${frac(micros, fsp)}Z`;
        expect(formatEpoch(secs, micros, fsp)).toBe(expected);
      }
    }
    expect(formatEpoch(2147483647, 999999, 6)).toBe('2038-01-19T03:14:07.999999Z');
    expect(formatEpoch(0, 0, 6)).toBe('0000-00-00 00:00:00.000000');
  });
});
