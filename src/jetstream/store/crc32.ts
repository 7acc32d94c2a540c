// CRC-32 (IEEE) per record: zlib.crc32 (native, Node >= 20.15) or a table fallback.
import * as zlib from 'node:zlib';

const native = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;

let table: Uint32Array | null = null;
function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
}

/** CRC-32 of buf[start, end). */
export function crc32(buf: Buffer, start: number, end: number): number {
  if (native) return native(buf.subarray(start, end)) >>> 0;
  const t = (table ??= makeTable());
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
