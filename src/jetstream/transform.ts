// Subject transforms for stream republish (accounts.go newTransform/Match, the wildcard part):
// `src` may have `*` and `>`; `dest` refers to the n-th `*` of src as `$n` or `{{wildcard(n)}}`, and
// has `>` exactly when src has it. Other mapping functions (partition, split…) are refused.
import { isValidSubject, subjectMatches } from '../subjects/subject.js';

type DestTok = { lit: string } | { wc: number } | { fwc: true };

export class RepublishTransform {
  private readonly src: string[];
  private readonly dest: DestTok[];
  /** `>`→`>` (or empty): subjects pass unchanged. */
  private readonly passThrough: boolean;
  private readonly pwcIndex: number[] = [];

  /** Throws when the pair is not a valid transform (the reference's ErrBadSubject and friends). */
  constructor(readonly srcSubject: string, readonly destSubject: string) {
    if (!isValidSubject(srcSubject) || !isValidSubject(destSubject)) throw new Error('invalid subject');
    this.src = srcSubject.split('.');
    const dtoks = destSubject.split('.');
    const npwcs = this.src.filter((t) => t === '*').length;
    const sfwc = this.src.includes('>');
    const dfwc = dtoks.includes('>');
    if (dtoks.includes('*') || sfwc !== dfwc) throw new Error('invalid subject');
    this.src.forEach((t, i) => t === '*' && this.pwcIndex.push(i));
    this.passThrough = (srcSubject === '>' || srcSubject === '') && (destSubject === '>' || destSubject === '');
    let used = 0;
    this.dest = dtoks.map((t): DestTok => {
      if (t === '>') return { fwc: true };
      if (npwcs === 0 && !sfwc) return { lit: t };
      let n: number | null = null;
      const m1 = /^\$(\d+)$/.exec(t);
      const m2 = /^\{\{\s*wildcard\s*\(\s*(\d+)\s*\)\s*\}\}$/i.exec(t);
      if (m1) n = Number(m1[1]);
      else if (m2) n = Number(m2[1]);
      else if (t.startsWith('{{')) throw new Error('unsupported mapping function');
      if (n === null) return { lit: t };
      if (n < 1 || n > npwcs) throw new Error('wildcard index out of range');
      used++;
      return { wc: n };
    });
    if (used < npwcs) throw new Error('not all wildcards used');
  }

  /** The republish subject for a stored message's subject, or null when it does not match src. */
  match(subject: string): string | null {
    if (this.passThrough) return subject;
    if (!subjectMatches(subject, this.srcSubject)) return null;
    const toks = subject.split('.');
    const out: string[] = [];
    for (const d of this.dest) {
      if ('lit' in d) out.push(d.lit);
      else if ('wc' in d) out.push(toks[this.pwcIndex[d.wc - 1]!]!);
      else out.push(toks.slice(this.src.length - 1).join('.'));
    }
    return out.join('.');
  }
}
