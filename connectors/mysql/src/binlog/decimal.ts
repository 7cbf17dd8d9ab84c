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
  // the first byte has its sign bit flipped (readGroup undoes it); no closure per value
  let p = pos;
  let intPart = '';
  if (intg0x > 0) {
    const n = DIG2BYTES[intg0x];
    const v = readGroup(buf, p, n, pos, mask);
    p += n;
    if (v !== 0) intPart = String(v);
  }
  for (let i = 0; i < intg0; i++) {
    const v = readGroup(buf, p, 4, pos, mask);
    p += 4;
    intPart = intPart === '' ? (v === 0 ? '' : String(v)) : intPart + String(v).padStart(9, '0');
  }
  if (intPart === '') intPart = '0';
  let frac = '';
  for (let i = 0; i < frac0; i++) {
    frac += String(readGroup(buf, p, 4, pos, mask)).padStart(9, '0');
    p += 4;
  }
  if (frac0x > 0) frac += String(readGroup(buf, p, DIG2BYTES[frac0x], pos, mask)).padStart(frac0x, '0');
  const text = scale > 0 ? `${intPart}.${frac}` : intPart;
  // "-0.00" is printed by MySQL as "0.00"? It is never stored: MySQL normalises negative zero.
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/** `n` big-endian bytes at `p`; the byte at `first` (the value's first) has its sign bit flipped. */
function readGroup(buf: Uint8Array, p: number, n: number, first: number, mask: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const b = p + i === first ? buf[p + i] ^ 0x80 : buf[p + i];
    v = v * 256 + ((b ^ mask) & 0xff);
  }
  return v;
}

// exported for tests
export const _readBE = readBE;
