// Whole-file rewrites of a block's files, each through a temporary file and a rename, so a crash
// leaves either the old file or the new one (recovery removes stray .tmp files).
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { Block, CHECKED, LIVE } from './file-block.js';
import { checkDlt, DLT_ENTRY, readU64 } from './file-format.js';

/**
 * Compaction: rewrite block b with only its live records (fsynced before the rename: it may hold
 * data that was durable already), then update the slots' offsets. False (block untouched) on error.
 */
export function rewriteBlock(b: Block, warn: (msg: string) => void): boolean {
  const tmp = b.blkPath + '.tmp';
  try {
    const src = b.read(0, b.size);
    const out = Buffer.allocUnsafe(b.liveRaw);
    const offs = new Uint32Array(b.n);
    let p = 0;
    for (let i = 0; i < b.n; i++) {
      if (!(b.fl[i] & LIVE)) continue;
      src.copy(out, p, b.off[i], b.off[i] + b.len[i]);
      offs[i] = p;
      p += b.len[i];
    }
    const fd = openSync(tmp, 'w', 0o640);
    try {
      let done = 0;
      while (done < p) done += writeSync(fd, out, done, p - done, done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    b.closeFds();
    renameSync(tmp, b.blkPath);
    for (let i = 0; i < b.n; i++) b.off[i] = offs[i];
    b.compactSlots();
    for (let i = 0; i < b.n; i++) b.fl[i] &= ~CHECKED; // copied, not verified: the next read checks
    b.size = p;
    return true;
  } catch (e) {
    warn(`could not compact ${b.index}.blk: ${(e as Error).message}`);
    try {
      unlinkSync(tmp);
    } catch {
      // not there
    }
    return false;
  }
}

/** Rewrite block b's delete log with the entries keep() accepts. */
export function rewriteDlt(b: Block, keep: (kind: number, seq: number) => boolean, warn: (msg: string) => void): void {
  let cur: Buffer;
  try {
    cur = readFileSync(b.dltPath);
  } catch {
    return;
  }
  const out = Buffer.allocUnsafe(cur.length);
  let p = 0;
  for (let q = 0; q + DLT_ENTRY <= cur.length; q += DLT_ENTRY) {
    if (!checkDlt(cur, q) || !keep(cur[q], readU64(cur, q + 4))) continue;
    cur.copy(out, p, q, q + DLT_ENTRY);
    p += DLT_ENTRY;
  }
  const tmp = b.dltPath + '.tmp';
  try {
    writeFileSync(tmp, out.subarray(0, p));
    if (b.dltFd >= 0) closeSync(b.dltFd);
    b.dltFd = -1;
    renameSync(tmp, b.dltPath);
    b.dltSize = p;
  } catch (e) {
    warn(`could not rewrite ${b.index}.dlt: ${(e as Error).message}`);
  }
}
