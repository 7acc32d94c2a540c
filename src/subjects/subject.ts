// Subject rules (reference §1.5): tokens separated by '.', no empty tokens, no whitespace;
// '*' matches one token and '>' one or more tokens, and only as whole tokens; '>' must be last.
// Subjects are handled as latin1 "byte strings" (one char per byte) so that any UTF-8 subject
// round-trips unchanged between the wire and the index.

const DOT = 0x2e;
const STAR = 0x2a;
const GT = 0x3e;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

/** A valid subscription subject (wildcards allowed as whole tokens). */
export function isValidSubject(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  let tokStart = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : DOT;
    if (c === DOT) {
      const len = i - tokStart;
      if (len === 0) return false;
      if (len === 1 && s.charCodeAt(tokStart) === GT && i !== n) return false; // '>' must be last
      tokStart = i + 1;
    } else if (isSpace(c)) {
      return false;
    }
  }
  return true;
}

/**
 * A valid publish subject for the pedantic check: no empty tokens and no wildcard tokens. As 2.9's
 * IsValidLiteralSubject, whitespace and control characters are not checked (fuzz: `PUB \r 1` and
 * `PUB a\fb 1` pass in nats-server 2.9.10).
 */
export function isValidLiteralSubject(s: string): boolean {
  if (s.length === 0) return false;
  let tokStart = 0;
  const n = s.length;
  for (let i = 0; i <= n; i++) {
    if (i === n || s.charCodeAt(i) === DOT) {
      if (i === tokStart) return false; // empty token
      if (i - tokStart === 1) {
        const c = s.charCodeAt(tokStart);
        if (c === STAR || c === GT) return false;
      }
      tokStart = i + 1;
    }
  }
  return true;
}

/**
 * A valid subscription subject as 2.9's Sublist.Insert judges it: no empty token, '>' only last. Unlike
 * isValidSubject, control characters are allowed (spaces and tabs cannot reach it: they split the SUB
 * line), as nats-server 2.9.10 accepts `SUB \f 1` (fuzz seed 29635).
 */
export function isValidInsertSubject(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  let tokStart = 0;
  for (let i = 0; i <= n; i++) {
    if (i === n || s.charCodeAt(i) === DOT) {
      if (i === tokStart) return false;
      if (i - tokStart === 1 && s.charCodeAt(tokStart) === GT && i !== n) return false;
      tokStart = i + 1;
    }
  }
  return true;
}

/** A valid queue group name: not empty (2.9.10 checks nothing else; control characters pass). */
export function isValidQueue(q: string): boolean {
  return q.length > 0;
}

/** Does the literal subject `subject` match the (possibly wildcard) `pattern`? (matchLiteral) */
export function subjectMatches(subject: string, pattern: string): boolean {
  let si = 0;
  let pi = 0;
  const sn = subject.length;
  const pn = pattern.length;
  while (pi < pn) {
    // pattern token [pi, pe)
    let pe = pattern.indexOf('.', pi);
    if (pe < 0) pe = pn;
    if (si > sn) return false;
    let se = subject.indexOf('.', si);
    if (se < 0) se = sn;
    if (pe - pi === 1 && pattern.charCodeAt(pi) === GT) return si < sn; // '>' needs one or more tokens
    if (!(pe - pi === 1 && pattern.charCodeAt(pi) === STAR)) {
      if (se - si !== pe - pi) return false;
      for (let k = 0; k < pe - pi; k++) if (subject.charCodeAt(si + k) !== pattern.charCodeAt(pi + k)) return false;
    }
    pi = pe + 1;
    si = se + 1;
  }
  return si === sn + 1;
}

/** Is `subset` (a possibly-wildcard subject) fully covered by `pattern`? (subjectIsSubsetMatch) */
export function subjectIsSubsetMatch(subset: string, pattern: string): boolean {
  const a = subset.split('.');
  const b = pattern.split('.');
  for (let i = 0; i < b.length; i++) {
    if (i >= a.length) return false;
    const pt = b[i];
    if (pt === '>') return true;
    const t = a[i];
    if (pt === '*') {
      if (t === '>') return false;
      continue;
    }
    if (t !== pt) return false;
  }
  return a.length === b.length;
}

/** True when the subject has a '*' or '>' token. */
export function hasWildcard(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c === STAR || c === GT) && (i === 0 || s.charCodeAt(i - 1) === DOT) && (i + 1 === n || s.charCodeAt(i + 1) === DOT)) return true;
  }
  return false;
}

/**
 * Why a permission subject is invalid, or undefined when it is valid: a subject, or `subject queue`
 * for queue permissions (opts.go checkPermSubjectArray).
 */
export function permSubjectError(s: string): string | undefined {
  if (isValidSubject(s)) return undefined;
  const fields = s.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 2) return `subject ${JSON.stringify(s)} is not a valid subject`;
  if (!isValidSubject(fields[0]!)) return `subject ${JSON.stringify(fields[0])} is not a valid subject`;
  return undefined;
}

/** Could `a` and `b` both match some literal subject? (sublist.go SubjectsCollide) */
export function subjectsCollide(a: string, b: string): boolean {
  if (a === b) return true;
  const t1 = a.split('.');
  const t2 = b.split('.');
  const wc = (toks: string[]) => {
    let pwc = false;
    let fwc = false;
    for (const t of toks) {
      if (t === '*') pwc = true;
      else if (t === '>') fwc = true;
    }
    return [pwc, fwc] as const;
  };
  const [p1, f1] = wc(t1);
  const [p2, f2] = wc(t2);
  const l1 = !(p1 || f1);
  const l2 = !(p2 || f2);
  if (l1 && l2) return a === b;
  if (l1 && !l2) return tokensSubsetMatch(t1, t2);
  if (l2 && !l1) return tokensSubsetMatch(t2, t1);
  if (!f1 && !f2 && t1.length !== t2.length) return false;
  if (t1.length !== t2.length && ((t1.length < t2.length && !f1) || (t2.length < t1.length && !f2))) return false;
  const stop = Math.min(t1.length, t2.length);
  for (let i = 0; i < stop; i++) {
    const x = t1[i]!;
    const y = t2[i]!;
    if (x.length === 0 || y.length === 0) return false;
    if (x === '*' || y === '*' || x === '>' || y === '>' || x[0] === '*' || y[0] === '*' || x[0] === '>' || y[0] === '>') continue;
    if (x !== y) return false;
  }
  return true;
}

/** isSubsetMatchTokenized: are the tokens `toks` (maybe wildcards) covered by `test`'s? */
function tokensSubsetMatch(toks: string[], test: string[]): boolean {
  for (let i = 0; i < test.length; i++) {
    if (i >= toks.length) return false;
    const t2 = test[i]!;
    if (t2.length === 0) return false;
    if (t2 === '>') return true;
    const t1 = toks[i]!;
    if (t1.length === 0 || t1 === '>') return false;
    if (t1 === '*') {
      if (t2 !== '*') return false;
      continue;
    }
    if (t2 !== '*' && t1 !== t2) return false;
  }
  return toks.length === test.length;
}
