// Fields nats-server's monitoring answers carry and tsnats does not, because the feature behind
// them is not built yet. One list, used by the differential test (test/monitor/diff.test.ts) and
// copied into docs/monitoring.md and docs/compatibility.md.
//
// Paths are `<endpoint>.<field>[.<field>…]`, `[]` marking the elements of an array; $SYS answers
// are `sys.<SERVER|ACCOUNT>.<EP>.…`.

export interface NotBuilt {
  path: string;
  feature: string;
}

// Empty since the system services are imported into every account (system/imports.ts).
export const NOT_BUILT: NotBuilt[] = [];

export function notBuilt(path: string): boolean {
  return NOT_BUILT.some((n) => path === n.path || path.startsWith(n.path + '.') || path.startsWith(n.path + '[]'));
}
