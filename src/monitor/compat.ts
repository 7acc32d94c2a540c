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

export const NOT_BUILT: NotBuilt[] = [
  { path: 'accountz.account_detail.imports', feature: 'service imports: the reference imports $SYS.REQ.SERVER.PING.CONNZ and $SYS.REQ.ACCOUNT.PING.{CONNZ,STATZ} into every account' },
  { path: 'sys.ACCOUNT.INFO.data.imports', feature: 'the same imports, in $SYS.REQ.ACCOUNT.<acc>.INFO' },
  { path: 'accountz.account_detail.exports', feature: 'service exports: the system account exports $SYS.REQ.ACCOUNT.*.{CONNZ,STATZ} and $SYS.DEBUG.SUBSCRIBERS' },
];

export function notBuilt(path: string): boolean {
  return NOT_BUILT.some((n) => path === n.path || path.startsWith(n.path + '.') || path.startsWith(n.path + '[]'));
}
