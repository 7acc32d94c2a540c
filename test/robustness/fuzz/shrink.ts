// Shrink a failing case to a small reproducer: drop whole ops, then the cuts between writes, then bytes
// inside each op (halves, quarters, … single bytes), keeping each change that still fails. Bounded by a
// number of attempts, since each one runs the case on both servers.
import type { Case, FuzzOp } from './case.js';

export interface ShrinkResult {
  c: Case;
  attempts: number;
}

export async function shrink(start: Case, fails: (c: Case) => Promise<boolean>, maxAttempts = 150): Promise<ShrinkResult> {
  let best = start;
  let attempts = 0;
  const tryCase = async (c: Case): Promise<boolean> => {
    if (attempts >= maxAttempts) return false;
    attempts++;
    if (await fails(c)) {
      best = c;
      return true;
    }
    return false;
  };
  const withOps = (ops: FuzzOp[]): Case => ({ ...best, ops });

  let progress = true;
  while (progress && attempts < maxAttempts) {
    progress = false;
    // 1. whole ops, from the end (later ops depend on earlier ones more often than the reverse)
    for (let i = best.ops.length - 1; i >= 0; i--) {
      if (best.ops.length <= 1) break;
      if (await tryCase(withOps(best.ops.filter((_, j) => j !== i)))) progress = true;
    }
    // 2. the cuts: all at once, then one by one
    const hasCuts = best.ops.some((o, i) => o.cuts.length > 0 || (o.split && i > 0));
    if (hasCuts) {
      if (await tryCase(withOps(best.ops.map((o) => ({ ...o, cuts: [], split: false }))))) progress = true;
      else {
        for (let i = 0; i < best.ops.length; i++) {
          const o = best.ops[i]!;
          if (o.split && (await tryCase(withOps(best.ops.map((x, j) => (j === i ? { ...x, split: false } : x)))))) progress = true;
          for (const cut of best.ops[i]!.cuts) {
            if (await tryCase(withOps(best.ops.map((x, j) => (j === i ? { ...x, cuts: x.cuts.filter((y) => y !== cut) } : x))))) progress = true;
          }
        }
      }
    }
    // 3. bytes inside each op: remove spans, largest first
    for (let i = 0; i < best.ops.length; i++) {
      const len0 = best.ops[i]!.bytes.length;
      // long ops (a stretched control line) only in coarse spans: a few dozen attempts, not thousands
      for (let span = len0 >> 1; span >= Math.max(1, len0 >> 4); span >>= 1) {
        for (let at = 0; at + span <= best.ops[i]!.bytes.length; ) {
          const o = best.ops[i]!;
          const bytes = Buffer.concat([o.bytes.subarray(0, at), o.bytes.subarray(at + span)]);
          const cuts = o.cuts.filter((x) => x < at).concat(o.cuts.filter((x) => x >= at + span).map((x) => x - span));
          if (await tryCase(withOps(best.ops.map((x, j) => (j === i ? { ...x, bytes, cuts } : x))))) progress = true;
          else at += span;
          if (attempts >= maxAttempts) break;
        }
        if (attempts >= maxAttempts) break;
      }
    }
  }
  return { c: best, attempts };
}
