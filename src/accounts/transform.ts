// Subject mapping between an exporting and an importing account (imports with `to` or `prefix`).
// The wildcard tokens of `from` are captured in order and placed in the wildcard tokens of `to`,
// so `svc.*` → `local.*` maps `svc.a` to `local.a`, and a prefix `imp` (to = `imp.` + from) maps
// `s.x` to `imp.s.x`. A literal `to` always maps to itself.

function wildcards(toks: string[]): string[] {
  return toks.filter((t) => t === '*' || t === '>');
}

export class SubjectTransform {
  private readonly fromToks: string[];
  private readonly toToks: string[];
  /** Both patterns are the same: messages keep their subject (the reference's usePub). */
  readonly identity: boolean;

  constructor(readonly from: string, readonly to: string) {
    this.fromToks = from.split('.');
    this.toToks = to.split('.');
    this.identity = from === to;
    const wf = wildcards(this.fromToks);
    const wt = wildcards(this.toToks);
    if (wt.length > 0 && (wf.length !== wt.length || wf.some((w, i) => w !== wt[i]))) {
      throw new Error(`the wildcards of ${JSON.stringify(to)} do not match those of ${JSON.stringify(from)}`);
    }
  }

  /** A subject matching `from` as it appears under `to`. */
  apply(subject: string): string {
    if (this.identity) return subject;
    return map(subject, this.fromToks, this.toToks);
  }

  /** A subject (or subscription pattern) under `to`, mapped back under `from`. */
  reverse(subject: string): string {
    if (this.identity) return subject;
    return map(subject, this.toToks, this.fromToks);
  }
}

/** Captures what `src` pattern's wildcards matched in `subject` and fills `dst` pattern's wildcards. */
function map(subject: string, src: string[], dst: string[]): string {
  if (wildcards(dst).length === 0) return dst.join('.');
  const toks = subject.split('.');
  const caps: string[] = [];
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '*') caps.push(toks[i] ?? '*');
    else if (src[i] === '>') caps.push(toks.slice(i).join('.') || '>');
  }
  let k = 0;
  return dst.map((t) => (t === '*' || t === '>' ? caps[k++] : t)).join('.');
}
