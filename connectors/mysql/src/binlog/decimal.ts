/**
 * MySQL binary DECIMAL (`decimal2bin` in strings/decimal.cc): the integer and fraction parts in groups of 9
 * decimal digits stored as big-endian 4-byte words, the leftover digits in 1-4 bytes, the sign in the top bit
 * of the first byte (negative numbers have every byte inverted). Decoded exactly, to a plain decimal string with
 * `scale` fraction digits, as MySQL prints it.
 */
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

export function decimalBinarySize(precision: number, scale: number): number {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / 9);
  const frac0 = Math.floor(scale / 9);
  return intg0 * 4 + DIG2BYTES[intg - intg0 * 9] + frac0 * 4 + DIG2BYTES[scale - frac0 * 9];
}

function readBE(buf: Uint8Array, pos: number, n: number, mask: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + ((buf[pos + i] ^ mask) & 0xff);
  return v;
}

/** Decodes `decimalBinarySize(precision, scale)` bytes at `pos`. */
export function decodeDecimal(buf: Uint8Array, pos: number, precision: number, scale: number): string {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / 9);
  const frac0 = Math.floor(scale / 9);
  const intg0x = intg - intg0 * 9;
  const frac0x = scale - frac0 * 9;
  const negative = (buf[pos] & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  // the first byte has its sign bit flipped; work on a virtual copy
  const first = buf[pos] ^ 0x80;
  let p = pos;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const b = p + i === pos ? first : buf[p + i];
      v = v * 256 + ((b ^ mask) & 0xff);
    }
    p += n;
    return v;
  };
  let intPart = '';
  if (intg0x > 0) {
    const v = read(DIG2BYTES[intg0x]);
    if (v !== 0) intPart = String(v);
  }
  for (let i = 0; i < intg0; i++) {
    const v = read(4);
    intPart = intPart === '' ? (v === 0 ? '' : String(v)) : intPart + String(v).padStart(9, '0');
  }
  if (intPart === '') intPart = '0';
  let frac = '';
  for (let i = 0; i < frac0; i++) frac += String(read(4)).padStart(9, '0');
  if (frac0x > 0) frac += String(read(DIG2BYTES[frac0x])).padStart(frac0x, '0');
  const text = scale > 0 ? `${intPart}.${frac}` : intPart;
  // "-0.00" is printed by MySQL as "0.00"? It is never stored: MySQL normalises negative zero.
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

// exported for tests
export const _readBE = readBE;
