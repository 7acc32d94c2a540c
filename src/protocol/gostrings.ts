// Go's string helpers where their rules differ from JavaScript's and the difference decides what a
// permission or a claim means: unicode.IsSpace (JS's \s has U+FEFF and lacks U+0085), and the
// strings.TrimSpace / strings.Fields built on it.

/** unicode.IsSpace: Latin-1 '\t' '\n' '\v' '\f' '\r' ' ' U+0085 U+00A0, and the White_Space property above. */
export function goIsSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** strings.TrimSpace. */
export function goTrimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && goIsSpace(s.charCodeAt(a))) a++;
  while (b > a && goIsSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** strings.Fields: the runs of non-space characters. */
export function goFields(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    if (goIsSpace(s.charCodeAt(i))) {
      if (start >= 0) out.push(s.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

/**
 * strings.ToUpper / strings.ToLower: one character for one (Go's simple case mapping). JS's full
 * mapping turns 'ß' into "SS" and 'ﬆ' into "ST", so "ﬆandard" would read as "STANDARD".
 */
export function goToUpper(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toUpperCase() : mapChars(s, (c) => c.toUpperCase());
}

export function goToLower(s: string): string {
  // U+0130 (İ) lowers to 'i' in Go; JS gives "i̇".
  return /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : mapChars(s, (c) => (c === '\u0130' ? 'i' : c.toLowerCase()));
}

function mapChars(s: string, f: (c: string) => string): string {
  let out = '';
  for (const c of s) {
    const m = f(c);
    out += [...m].length === 1 ? m : c;
  }
  return out;
}
