// `tsnats conns`: the open connections sorted by idle time, RTT, pending bytes or messages, as a
// table (the guides' "list connections sorted by idle").
import type { Conn } from './types.js';
import { idleMs } from './checks.js';
import { fmtBytes, fmtDuration, fmtRtt, rttMs } from './units.js';

export const CONN_SORTS = ['idle', 'rtt', 'pending', 'msgs', 'cid'] as const;
export type ConnSort = (typeof CONN_SORTS)[number];

/** Sorted copy: idle, rtt, pending and msgs (in + out) largest first, cid ascending; ties by cid. */
export function sortConns(conns: Conn[], by: ConnSort, now: number): Conn[] {
  const key: Record<ConnSort, (c: Conn) => number> = {
    idle: (c) => idleMs(c, now),
    rtt: (c) => rttMs(c.rtt),
    pending: (c) => c.pending_bytes ?? 0,
    msgs: (c) => (c.in_msgs ?? 0) + (c.out_msgs ?? 0),
    cid: (c) => -c.cid,
  };
  const f = key[by];
  return [...conns].sort((a, b) => f(b) - f(a) || a.cid - b.cid);
}

export const CONN_COLUMNS = ['CID', 'NAME', 'ADDRESS', 'IDLE', 'RTT', 'PENDING', 'IN MSGS', 'OUT MSGS', 'SUBS', 'ACCOUNT/USER'];

export function connRow(c: Conn, now: number): string[] {
  const who = [c.account, c.authorized_user].filter(Boolean).join('/');
  return [
    String(c.cid),
    c.name ?? '',
    (c.ip ? `${c.ip}:${c.port ?? 0}` : '(in-process)') + (c.type === 'websocket' ? ' (ws)' : ''),
    fmtDuration(idleMs(c, now)),
    fmtRtt(rttMs(c.rtt)),
    fmtBytes(c.pending_bytes ?? 0),
    String(c.in_msgs ?? 0),
    String(c.out_msgs ?? 0),
    String(c.subscriptions ?? 0),
    who || '-',
  ];
}

/** A plain text table; numbers right-aligned. */
export function formatTable(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (rightAligned.has(i) ? v.padStart(w[i]!) : v.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function formatConns(conns: Conn[], now: number, total: number): string {
  const rows = conns.map((c) => connRow(c, now));
  const table = formatTable(CONN_COLUMNS, rows, new Set([0, 3, 4, 5, 6, 7, 8]));
  const shown = conns.length < total ? `${conns.length} of ${total} connections` : `${total} connection${total === 1 ? '' : 's'}`;
  return table + `(${shown})\n`;
}
