// CRC-32 (IEEE) per record. Small ranges (most records) use a slicing-by-8 table in JS, which
// beats a native call that first needs a Buffer view; big ones use zlib.crc32 (native, Node >=
// 20.15) when it exists.
import * as zlib from 'node:zlib';

const native = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;

const T = new Int32Array(256 * 8);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[i] = c;
}
for (let i = 0; i < 256; i++) for (let t = 1; t < 8; t++) T[t * 256 + i] = (T[(t - 1) * 256 + i] >>> 8) ^ T[T[(t - 1) * 256 + i] & 0xff];

const NATIVE_FROM = 2048;

/** CRC-32 of buf[start, end). */
export function crc32(buf: Uint8Array, start: number, end: number): number {
  if (native && end - start >= NATIVE_FROM) return native(buf.subarray(start, end)) >>> 0;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    const h = buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24);
    c =
      T[1792 + (c & 0xff)] ^
      T[1536 + ((c >>> 8) & 0xff)] ^
      T[1280 + ((c >>> 16) & 0xff)] ^
      T[1024 + (c >>> 24)] ^
      T[768 + (h & 0xff)] ^
      T[512 + ((h >>> 8) & 0xff)] ^
      T[256 + ((h >>> 16) & 0xff)] ^
      T[h >>> 24];
  }
  for (; i < end; i++) c = T[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
