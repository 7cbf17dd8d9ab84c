import { describe, expect, it } from 'vitest';
import { errorOf, value } from './helpers.js';

// the clock is fixed at 2024-03-10T01:30:00.123Z (helpers.FIXED_NOW)
const at = (expr: string, timeZone: string, row: Record<string, unknown> = {}) => value(expr, row, { timeZone });

describe('current time functions use the injected clock and the session time zone', () => {
  it('CURRENT_TIMESTAMP / NOW are instants (TIMESTAMP_LTZ)', () => {
    expect(at('CURRENT_TIMESTAMP', 'Asia/Shanghai')).toBe('2024-03-10T01:30:00.123Z');
    expect(at('NOW()', 'UTC')).toBe('2024-03-10T01:30:00.123Z');
  });
  it('LOCALTIMESTAMP, LOCALTIME, CURRENT_TIME, CURRENT_DATE are wall-clock in the zone', () => {
    expect(at('LOCALTIMESTAMP', 'UTC')).toBe('2024-03-10T01:30:00.123');
    expect(at('LOCALTIMESTAMP', 'Asia/Shanghai')).toBe('2024-03-10T09:30:00.123');
    expect(at('LOCALTIMESTAMP', '+05:30')).toBe('2024-03-10T07:00:00.123');
    expect(at('LOCALTIMESTAMP', 'America/New_York')).toBe('2024-03-09T20:30:00.123');
    expect(at('LOCALTIME', 'Asia/Shanghai')).toBe('09:30:00');
    expect(at('CURRENT_TIME', 'Asia/Shanghai')).toBe('09:30:00');
    expect(at('CURRENT_DATE', 'America/New_York')).toBe('2024-03-09');
    expect(at('CURRENT_DATE', 'Asia/Shanghai')).toBe('2024-03-10');
    expect(at('UNIX_TIMESTAMP()', 'UTC')).toBe(1710034200n);
  });
  it('now is read once per event: before and after of an update see the same NOW', () => {
    let ticks = 0;
    const now = () => new Date(Date.UTC(2024, 0, 1) + 1000 * ticks++);
    const v = value('NOW()', {}, { op: 'UPDATE', now });
    expect(v).toBe('2024-01-01T00:00:00.000Z');
    expect(ticks).toBe(1);
  });
});

describe('DATE_FORMAT and friends', () => {
  const row = { created: '2024-01-02T03:04:05.123456', birthday: '2024-07-09', updated: '2024-01-01T20:00:00.000Z' };
  it('formats timestamps, dates and LTZ instants with Java patterns', () => {
    expect(at("DATE_FORMAT(created, 'yyyy-MM-dd HH:mm:ss')", 'UTC', row)).toBe('2024-01-02 03:04:05');
    expect(at("DATE_FORMAT(created, 'yyyy/MM/dd HH:mm:ss.SSSSSS')", 'UTC', row)).toBe('2024/01/02 03:04:05.123456');
    expect(at("DATE_FORMAT(created, 'yy-M-d h:mm a, EEE MMM')", 'UTC', row)).toBe('24-1-2 3:04 AM, Tue Jan');
    expect(at("DATE_FORMAT(created, 'EEEE, MMMM d ''at'' HH')", 'UTC', row)).toBe("Tuesday, January 2 at 03");
    expect(at("DATE_FORMAT(birthday, 'dd.MM.yyyy (D)')", 'UTC', row)).toBe('09.07.2024 (191)');
    expect(at("DATE_FORMAT(updated, 'yyyy-MM-dd HH:mm XXX')", 'Asia/Shanghai', row)).toBe('2024-01-02 04:00 +08:00');
    expect(at("DATE_FORMAT(updated, 'yyyy-MM-dd HH:mm')", 'UTC', row)).toBe('2024-01-01 20:00');
    expect(at("DATE_FORMAT(created, 'yyyy')", 'UTC')).toBeNull();
  });
  it('DATE_FORMAT_TZ formats in the given zone', () => {
    expect(at("DATE_FORMAT_TZ(updated, 'yyyy-MM-dd HH:mm:ss', 'Asia/Tokyo')", 'UTC', row)).toBe('2024-01-02 05:00:00');
    expect(at("DATE_FORMAT_TZ(updated, '+01:00')", 'UTC', row)).toBe('2024-01-01 21:00:00');
    expect(at("DATE_FORMAT_TZ(created, 'HH:mm XXX', 'Asia/Tokyo')", 'UTC', row)).toBe('03:04 +09:00');
  });
  it('FROM_UNIXTIME and UNIX_TIMESTAMP use the session zone', () => {
    expect(at('FROM_UNIXTIME(44)', 'UTC')).toBe('1970-01-01 00:00:44');
    expect(at('FROM_UNIXTIME(44)', 'Asia/Tokyo')).toBe('1970-01-01 09:00:44');
    expect(at("FROM_UNIXTIME(1710034200, 'yyyy-MM-dd')", 'America/New_York')).toBe('2024-03-09');
    expect(at("UNIX_TIMESTAMP('1970-01-01 09:00:44')", 'Asia/Tokyo')).toBe(44n);
    expect(at("UNIX_TIMESTAMP('2024-01-01', 'yyyy-MM-dd')", 'UTC')).toBe(1704067200n);
    expect(at("UNIX_TIMESTAMP('2024-01-01 00:00:00.000 +0800', 'yyyy-MM-dd HH:mm:ss.SSS Z')", 'UTC')).toBe(1704038400n);
    expect(at("UNIX_TIMESTAMP('garbage')", 'UTC')).toBe(-9223372036854775808n);
  });
});

describe('parsing: TO_DATE, TO_TIMESTAMP, TO_TIMESTAMP_LTZ', () => {
  it('TO_DATE', () => {
    expect(at("TO_DATE('2024-02-29')", 'UTC')).toBe('2024-02-29');
    expect(at("TO_DATE('29/02/2024', 'dd/MM/yyyy')", 'UTC')).toBe('2024-02-29');
    expect(at("TO_DATE('20240229', 'yyyyMMdd')", 'UTC')).toBe('2024-02-29');
    expect(at("TO_DATE('2023-02-29')", 'UTC')).toBeNull();
    expect(at('TO_DATE(created)', 'UTC', { created: '2024-05-06T23:00:00' })).toBe('2024-05-06');
    expect(at('TO_DATE(name)', 'UTC')).toBeNull();
  });
  it('TO_TIMESTAMP keeps the fraction its format asks for', () => {
    expect(at("TO_TIMESTAMP('2024-01-02 03:04:05')", 'UTC')).toBe('2024-01-02T03:04:05.000');
    expect(at("TO_TIMESTAMP('2024-01-02 03:04:05.12')", 'UTC')).toBe('2024-01-02T03:04:05.120');
    expect(at("TO_TIMESTAMP('2024-01-02 03:04:05.123456', 'yyyy-MM-dd HH:mm:ss.SSSSSS')", 'UTC')).toBe('2024-01-02T03:04:05.123456');
    expect(at("TO_TIMESTAMP('02.01.2024 3:04 PM', 'dd.MM.yyyy h:mm a')", 'UTC')).toBe('2024-01-02T15:04:00.000');
    expect(at("TO_TIMESTAMP('2024-01-02 03:04:05 +0100', 'yyyy-MM-dd HH:mm:ss Z')", 'Asia/Shanghai')).toBe('2024-01-02T10:04:05.000');
    expect(errorOf(() => at("TO_TIMESTAMP('2024-01-02 03:04:05.123456')", 'UTC'))).toMatch(/6 fraction digits, more than TIMESTAMP\(3\)/);
    expect(errorOf(() => at("TO_TIMESTAMP('nope')", 'UTC'))).toMatch(/TO_TIMESTAMP cannot parse 'nope' with format 'yyyy-MM-dd HH:mm:ss'/);
  });
  it('TO_TIMESTAMP_LTZ from epoch numbers and text', () => {
    expect(at('TO_TIMESTAMP_LTZ(1704067200123)', 'Asia/Shanghai')).toBe('2024-01-01T00:00:00.123Z');
    expect(at('TO_TIMESTAMP_LTZ(1704067200, 0)', 'UTC')).toBe('2024-01-01T00:00:00.000Z');
    expect(at("TO_TIMESTAMP_LTZ('2024-01-01 08:00:00.000')", 'Asia/Shanghai')).toBe('2024-01-01T08:00:00.000Z');
    expect(at("TO_TIMESTAMP_LTZ('2024-01-01 08:00:00', 'yyyy-MM-dd HH:mm:ss', 'Asia/Shanghai')", 'UTC')).toBe('2024-01-01T00:00:00.000Z');
  });
});

describe('arithmetic on time', () => {
  const row = { created: '2024-01-31T10:00:00.500000', birthday: '2024-02-29', updated: '2024-03-10T01:00:00.000Z' };
  it('TIMESTAMPADD', () => {
    expect(at('TIMESTAMPADD(MONTH, 1, created)', 'UTC', row)).toBe('2024-02-29T10:00:00.500000');
    expect(at('TIMESTAMPADD(HOUR, -11, created)', 'UTC', row)).toBe('2024-01-30T23:00:00.500000');
    expect(at('TIMESTAMPADD(SECOND, 90, created)', 'UTC', row)).toBe('2024-01-31T10:01:30.500000');
    expect(at('TIMESTAMPADD(YEAR, 1, birthday)', 'UTC', row)).toBe('2025-02-28');
    expect(at('TIMESTAMPADD(DAY, 1, updated)', 'America/New_York', row)).toBe('2024-03-11T01:00:00.000Z');
    expect(at('TIMESTAMPADD(DAY, age, created)', 'UTC', row)).toBeNull();
  });
  it('TIMESTAMPDIFF / TIMESTAMP_DIFF count whole units; MONTH and YEAR compare calendar fields as Flink CDC does', () => {
    const r = { created: '2024-01-31T10:00:00', birthday: '2024-03-01' };
    expect(at("TIMESTAMPDIFF(SECOND, created, TIMESTAMP '2024-01-31 10:01:01')", 'UTC', r)).toBe(61);
    expect(at("TIMESTAMPDIFF(MINUTE, created, TIMESTAMP '2024-01-31 10:01:59')", 'UTC', r)).toBe(1);
    expect(at("TIMESTAMPDIFF(HOUR, TIMESTAMP '2024-01-31 12:00:00', created)", 'UTC', r)).toBe(-2);
    expect(at("TIMESTAMP_DIFF('DAY', created, TIMESTAMP '2024-02-02 09:00:00')", 'UTC', r)).toBe(1);
    expect(at("TIMESTAMPDIFF(MONTH, created, TIMESTAMP '2024-02-01 00:00:00')", 'UTC', r)).toBe(1);
    expect(at("TIMESTAMPDIFF(YEAR, TIMESTAMP '2023-12-31 23:59:59', created)", 'UTC', r)).toBe(1);
    expect(at('TIMESTAMPDIFF(DAY, created, birthday)', 'UTC', r)).toBe(29);
    // an hour of wall time across the DST change in New York is no hour at all
    expect(at("TIMESTAMPDIFF(HOUR, TIMESTAMP '2024-03-10 01:00:00', TIMESTAMP '2024-03-10 03:00:00')", 'America/New_York')).toBe(1);
    expect(at('TIMESTAMPDIFF(DAY, created, updated)', 'UTC', {})).toBeNull();
  });
  it('DATE_ADD returns the date as text, as Flink CDC does', () => {
    expect(at('DATE_ADD(birthday, 1)', 'UTC', row)).toBe('2024-03-01');
    expect(at('DATE_ADD(created, -31)', 'UTC', row)).toBe('2023-12-31');
    expect(at("DATE_ADD('2024-01-01 10:00:00', 1)", 'UTC')).toBe('2024-01-02');
    expect(at('DATE_ADD(updated, 0)', 'America/New_York', row)).toBe('2024-03-09');
  });
  it('EXTRACT and the YEAR(), MONTH(), ... shorthands', () => {
    const r = { created: '2024-12-30T23:59:58.750000', birthday: '2024-03-01', updated: '2024-01-01T20:00:00.000Z' };
    expect(at('EXTRACT(YEAR FROM created)', 'UTC', r)).toBe(2024n);
    expect(at('EXTRACT(QUARTER FROM created)', 'UTC', r)).toBe(4n);
    expect(at('EXTRACT(WEEK FROM created)', 'UTC', r)).toBe(1n);
    expect(at('EXTRACT(DOW FROM birthday)', 'UTC', r)).toBe(6n);
    expect(at('EXTRACT(DOY FROM birthday)', 'UTC', r)).toBe(61n);
    expect(at('EXTRACT(SECOND FROM created)', 'UTC', r)).toBe(58n);
    expect(at('EXTRACT(MILLISECOND FROM created)', 'UTC', r)).toBe(58750n);
    expect(at('EXTRACT(HOUR FROM birthday)', 'UTC', r)).toBe(0n);
    expect(at('EXTRACT(DAY FROM updated)', 'Asia/Shanghai', r)).toBe(2n);
    expect(at('MONTH(created)', 'UTC', r)).toBe(12n);
    expect(at('DAYOFMONTH(birthday)', 'UTC', r)).toBe(1n);
    expect(at('DAYOFWEEK(birthday)', 'UTC', r)).toBe(6n);
    expect(at('HOUR(updated)', 'Asia/Shanghai', r)).toBe(4n);
    expect(at('YEAR(created)', 'UTC', {})).toBeNull();
  });
});
