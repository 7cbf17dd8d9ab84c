/**
 * Calendar arithmetic behind the text forms of DATE and TIMESTAMP[_LTZ] values (see types/data-type.ts), shared
 * by sources that decode binary temporal values (the MySQL binlog, PostgreSQL's binary COPY) and by the runtime's
 * temporal functions.
 */

/**
 * The proleptic Gregorian date of `days` since 1970-01-01 (H. Hinnant's civil_from_days), packed as
 * year * 10000 + month * 100 + day so that a hot path gets it without a tuple per value. Unpack with
 * `y = Math.floor(p / 10000)`, `md = p - y * 10000`, `month = Math.floor(md / 100)`, `day = md % 100` (also right
 * for years before 0).
 */
export function packedCivilFromDays(days: number): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10000 + month * 100 + day;
}

/** The proleptic Gregorian [year, month, day] of `days` since 1970-01-01 (`packedCivilFromDays` unpacked). */
export function civilFromDays(days: number): [number, number, number] {
  const p = packedCivilFromDays(days);
  const y = Math.floor(p / 10000);
  const md = p - y * 10000;
  return [y, Math.floor(md / 100), md % 100];
}
