// A line diff for two transcript outcomes (short: tens of lines), printed like `diff -u` with all context
// kept, since the sent lines in between are what make a difference readable.

/** Longest-common-subsequence alignment of a and b. */
function align(a: string[], b: string[]): Array<[' ' | '-' | '+', string]> {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: Array<[' ' | '-' | '+', string]> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push([' ', a[i]!]); i++; j++; }
    else if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(['-', a[i++]!]);
    else out.push(['+', b[j++]!]);
  }
  return out;
}

/** Null when equal; otherwise a readable diff, `-` lines from `aLabel`, `+` lines from `bLabel`. */
export function lineDiff(a: string[], b: string[], aLabel: string, bLabel: string): string | null {
  if (a.length === b.length && a.every((x, i) => x === b[i])) return null;
  const body = align(a, b).map(([tag, line]) => `${tag} ${line}`);
  return [`--- ${aLabel}`, `+++ ${bLabel}`, ...body].join('\n');
}
