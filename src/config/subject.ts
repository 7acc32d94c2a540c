// Subject checks the config loader needs (nats-server sublist.go IsValidSubject, isSubsetMatch).

/** Non-empty `.`-separated tokens, no whitespace, `>` only as the last token. */
export function isValidSubject(subject: string): boolean {
  if (subject === '') return false;
  let sawFwc = false;
  for (const t of subject.split('.')) {
    if (t.length === 0 || sawFwc) return false;
    if (t.length > 1) {
      if (/[ \t\n\r\f]/.test(t)) return false;
      continue;
    }
    if (t === '>') sawFwc = true;
    else if (/[ \t\n\r\f]/.test(t)) return false;
  }
  return true;
}

/** A permission subject: a subject, or `subject queue` for queue permissions (opts.go checkPermSubjectArray). */
export function permSubjectError(s: string): string | undefined {
  if (isValidSubject(s)) return undefined;
  const fields = s.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 2) return `subject ${JSON.stringify(s)} is not a valid subject`;
  if (!isValidSubject(fields[0]!)) return `subject ${JSON.stringify(fields[0])} is not a valid subject`;
  return undefined;
}

/** Every subject matched by `subject` is also matched by `test` (wildcards in both). */
export function isSubsetMatch(subject: string, test: string): boolean {
  const a = subject.split('.');
  const b = test.split('.');
  for (let i = 0; i < b.length; i++) {
    const t2 = b[i]!;
    if (i >= a.length) return false;
    const t1 = a[i]!;
    if (t2 === '>') return true;
    if (t1 === '>') return false;
    if (t2 === '*') continue;
    if (t1 === '*' || t1 !== t2) return false;
  }
  return a.length === b.length;
}
