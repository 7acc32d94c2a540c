// One message block of the file store in memory: its files (N.blk, N.dlt), the bytes written and
// the bytes still buffered, and the slot index of its message records (slots.ts: sequence,
// offset, record length, subject id, timestamp, subject links, flags). The index is a cache
// rebuilt from the block (or read from the index file) on open.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { SlotTable } from './slots.js';

export { LIVE, HDR, CHECKED } from './slots.js';

export class Block extends SlotTable {
  readonly blkPath: string;
  readonly dltPath: string;
  fd = -1;
  dltFd = -1;
  /** Bytes of N.blk on disk (written). */
  size = 0;
  /** Appends not written yet: wbuf[0, wlen) go at offset `size`. */
  wbuf: Buffer | null = null;
  wlen = 0;
  /** Bytes of N.dlt on disk. */
  dltSize = 0;
  /** Removals of this block's messages not written to N.dlt yet. */
  dltPend: number[] = [];
  /** Taken out of the store (files removed at the next flush). */
  removed = false;
  /** This block's N.dlt holds the store's current floor entry. */
  hasFloor = false;
  /** The first message record's sequence (live or not; set by recovery and by appends). */
  firstRec = 0;
  /** The highest sequence any record of this block names (messages, skips, erased). */
  maxSeq = 0;
  maxSeqTs = 0;
  /** The highest FLOOR entry in this block's delete log (0: none), and its time. */
  dltFloor = 0;
  dltFloorTs = 0;
  /** What recovery found damaged in this block (reported in state.lost, kept in the index file). */
  lostBytes = 0;
  lostSeqs: number[] = [];
  /** Pages of the written part read for random readers (FileStore's page cache), by page number. */
  pages: Map<number, Buffer> | null = null;

  constructor(
    readonly index: number,
    dir: string,
  ) {
    super();
    this.blkPath = join(dir, `${index}.blk`);
    this.dltPath = join(dir, `${index}.dlt`);
  }

  /** Bytes of the block once its buffer is written. */
  get fullSize(): number {
    return this.size + this.wlen;
  }

  /** Room for k more buffered bytes. */
  reserve(k: number): Buffer {
    const need = this.wlen + k;
    if (!this.wbuf || this.wbuf.length < need) {
      const b = Buffer.allocUnsafe(Math.max(need, Math.min(2 * (this.wbuf?.length ?? 0), 64 * 1024 * 1024), 64 * 1024));
      if (this.wbuf && this.wlen) this.wbuf.copy(b, 0, 0, this.wlen);
      this.wbuf = b;
    }
    return this.wbuf;
  }

  /** After a write: keep a modest buffer for the next batch, drop a big one. */
  written(): void {
    this.size += this.wlen;
    this.wlen = 0;
    if (this.wbuf && this.wbuf.length > 4 * 1024 * 1024) this.wbuf = null;
  }

  openFd(): number {
    if (this.fd < 0) this.fd = openSync(this.blkPath, constants.O_RDWR | constants.O_CREAT, 0o640);
    return this.fd;
  }

  openDltFd(): number {
    if (this.dltFd < 0) this.dltFd = openSync(this.dltPath, constants.O_RDWR | constants.O_CREAT, 0o640);
    return this.dltFd;
  }

  /** Read len bytes at off (from the buffer when not written yet). */
  read(off: number, len: number): Buffer {
    const out = Buffer.allocUnsafe(len);
    if (off >= this.size) {
      this.wbuf!.copy(out, 0, off - this.size, off - this.size + len);
      return out;
    }
    const fd = this.openFd();
    let got = 0;
    while (got < len) {
      const k = readSync(fd, out, got, len - got, off + got);
      if (k <= 0) throw new Error(`short read in ${this.blkPath} at ${off + got}`);
      got += k;
    }
    return out;
  }

  closeFds(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already gone
      }
    }
    if (this.dltFd >= 0) {
      try {
        closeSync(this.dltFd);
      } catch {
        // already gone
      }
    }
    this.fd = -1;
    this.dltFd = -1;
  }
}
