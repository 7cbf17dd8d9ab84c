/**
 * Character sets: MySQL charset names and collation ids -> a decoder from bytes to a JS string.
 * `binary` means no character set: the value stays bytes.
 */

/** Collation id -> charset name, for the ids TABLE_MAP optional metadata and result sets use most. */
const COLLATION_CHARSETS: Record<number, string> = {};
const add = (charset: string, ...ids: number[]) => ids.forEach((i) => (COLLATION_CHARSETS[i] = charset));
add('big5', 1, 84);
add('latin2', 2, 9, 21, 27, 77);
add('dec8', 3, 69);
add('cp850', 4, 80);
add('latin1', 5, 8, 15, 31, 47, 48, 49, 94);
add('hp8', 6, 72);
add('koi8r', 7, 74);
add('swe7', 10, 82);
add('ascii', 11, 65);
add('ujis', 12, 91);
add('sjis', 13, 88);
add('cp1251', 14, 23, 50, 51, 52);
add('hebrew', 16, 71);
add('tis620', 18, 89);
add('euckr', 19, 85);
add('koi8u', 22, 75);
add('gb2312', 24, 86);
add('greek', 25, 70);
add('cp1250', 26, 34, 44, 66, 99);
add('gbk', 28, 87);
add('latin5', 30, 78);
add('armscii8', 32, 64);
add('utf8mb3', 33, 83, 76, ...range(192, 215), 223);
add('ucs2', 35, 90, ...range(128, 151), 159);
add('cp866', 36, 68);
add('keybcs2', 37, 73);
add('macce', 38, 43);
add('macroman', 39, 53);
add('cp852', 40, 81);
add('latin7', 20, 41, 42, 79);
add('utf8mb4', 45, 46, ...range(224, 247), ...range(255, 323));
add('cp1256', 57, 67);
add('cp1257', 29, 58, 59);
add('utf16', 54, 55, ...range(101, 124));
add('utf16le', 56, 62);
add('utf32', 60, 61, ...range(160, 183));
add('binary', 63);
add('geostd8', 92, 93);
add('cp932', 95, 96);
add('eucjpms', 97, 98);
add('gb18030', 248, 249, 250);

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

export function charsetOfCollation(id: number): string | undefined {
  return COLLATION_CHARSETS[id];
}

/** MySQL charset -> WHATWG encoding label for TextDecoder (MySQL latin1 is really cp1252). */
const ENCODINGS: Record<string, string> = {
  latin1: 'windows-1252',
  latin2: 'iso-8859-2',
  latin5: 'windows-1254',
  latin7: 'iso-8859-13',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  cp866: 'ibm866',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  tis620: 'windows-874',
  macroman: 'macintosh',
  big5: 'big5',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  euckr: 'euc-kr',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
};

export type StringDecoderFn = (buf: Buffer, start: number, end: number) => string;

const utf8Decode: StringDecoderFn = (b, s, e) => b.toString('utf8', s, e);
const asciiDecode: StringDecoderFn = (b, s, e) => b.toString('latin1', s, e);

function utf32Decode(b: Buffer, s: number, e: number): string {
  let out = '';
  for (let p = s; p + 3 < e; p += 4) out += String.fromCodePoint(b.readUInt32BE(p));
  return out;
}

const cache = new Map<string, StringDecoderFn>();

/** A decoder for a MySQL charset name; undefined for `binary` (keep bytes). Unknown charsets decode as UTF-8. */
export function stringDecoder(charset: string | undefined): StringDecoderFn | undefined {
  const cs = (charset ?? 'utf8mb4').toLowerCase();
  if (cs === 'binary') return undefined;
  if (cs === 'utf8mb4' || cs === 'utf8' || cs === 'utf8mb3') return utf8Decode;
  if (cs === 'ascii') return asciiDecode;
  if (cs === 'utf32') return utf32Decode;
  let d = cache.get(cs);
  if (!d) {
    const label = ENCODINGS[cs];
    if (!label) {
      d = utf8Decode;
    } else {
      const td = new TextDecoder(label);
      d = (b, s, e) => td.decode(b.subarray(s, e));
    }
    cache.set(cs, d);
  }
  return d;
}

/** Whether `charset` is known here (others are decoded as UTF-8 with a warning by the caller). */
export function isKnownCharset(charset: string): boolean {
  const cs = charset.toLowerCase();
  return cs === 'binary' || cs === 'utf8mb4' || cs === 'utf8' || cs === 'utf8mb3' || cs === 'ascii' || cs === 'utf32' || cs in ENCODINGS;
}
