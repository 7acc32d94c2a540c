// Normalisation: what varies between two runs of the same server (or between two servers) is replaced
// by a stable placeholder, everything else is kept exact. Rules, in order, on every string:
//   server-chosen names saved by the scenario (randomVars)  → <var>
//   the store directory                                     → <store_dir>
//   server ids (N + 55 base32)                              → <server_id>
//   the timestamp token of $JS.ACK reply subjects           → <ts>
//   the chunk length in $JS.SNAPSHOT.ACK reply subjects      → <len>  (compressed tar sizes vary)
//   the random token of $JS.FC flow-control subjects         → <fc>
//   RFC 3339 times within two days of now (server clocks)   → <time>   (zero times and fixed times stay)
//   restore temp files __snapshots__/snap-<random>           → snap-<n>
//   22-character nuid tokens (advisory ids, restore subjects) → <nuid1>, <nuid2>… by first appearance
//   nats.js request tokens _INBOX.<nuidN>.<8 characters>     → _INBOX.<nuidN>.<tok>
// and by key: api {total, errors} → <n>; active (ns since activity), ack_time → <dur>; rtt → <rtt>; leader, server,
// server_name → <server>; client.id → <cid>; now, uptime → placeholders; server.seq ($SYS replies) → <seq>;
// sublist_stats numbers → <n>; restore_complete advisory bytes → <n>; /accountz accounts and stream-info source states sorted; /accountz imports and exports sorted (Go map order). The request/response strings of
// API audit advisories are parsed as JSON (then normalised) so key order inside them does not matter.
import { BigLiteral, parseJson, type Json } from './json.js';
import type { Transcript } from './transcript.js';

export interface NormaliseContext {
  /** value → placeholder, e.g. an ephemeral consumer name → "<eph>". */
  randoms?: Map<string, string>;
  storeDir?: string;
}

const SERVER_ID = /\bN[A-Z2-7]{55}\b/g;
const ACK_TS = /(\$JS\.ACK\.[^.\s"]+\.[^.\s"]+\.\d+\.\d+\.\d+\.)(\d{9,})(\.\d+)/g;
const SNAP_ACK = /(\$JS\.SNAPSHOT\.ACK\.[^.\s"]+\.[A-Za-z0-9]{22}\.)(\d+)(\.\d+)/g;
const FC_REPLY = /(\$JS\.FC\.[^.\s"]+\.[^.\s"]+\.)([0-9A-Za-z]{4})(?![0-9A-Za-z])/g;
const SNAP_TMP = /(__snapshots__\/snap-)\d+/g;
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;
const NUID = /(?<![A-Za-z0-9-])[A-Za-z0-9]{22}(?![A-Za-z0-9-])/g;
/** nats.js request mux tokens: _INBOX.<nuid>.<8 random characters>. */
const MUX_TOKEN = /(_INBOX\.<nuid\d+>\.)[A-Za-z0-9]{8}(?![A-Za-z0-9])/g;
const TWO_DAYS = 2 * 86400_000;

export class Normaliser {
  private nuids = new Map<string, string>();
  private randoms: [string, string][];
  private now = Date.now();

  constructor(private ctx: NormaliseContext = {}) {
    this.randoms = [...(ctx.randoms ?? new Map()).entries()].sort((a, b) => b[0].length - a[0].length);
  }

  str(s: string): string {
    for (const [v, p] of this.randoms) if (v && s.includes(v)) s = s.split(v).join(p);
    if (this.ctx.storeDir && s.includes(this.ctx.storeDir)) s = s.split(this.ctx.storeDir).join('<store_dir>');
    s = s.replace(SERVER_ID, '<server_id>');
    s = s.replace(ACK_TS, '$1<ts>$3');
    s = s.replace(SNAP_ACK, '$1<len>$3');
    s = s.replace(FC_REPLY, '$1<fc>');
    s = s.replace(SNAP_TMP, '$1<n>');
    s = s.replace(ISO, (m) => {
      const t = Date.parse(m);
      return Number.isFinite(t) && Math.abs(t - this.now) < TWO_DAYS ? '<time>' : m;
    });
    s = s.replace(NUID, (m) => {
      let p = this.nuids.get(m);
      if (!p) { p = `<nuid${this.nuids.size + 1}>`; this.nuids.set(m, p); }
      return p;
    });
    s = s.replace(MUX_TOKEN, '$1<tok>');
    return s;
  }

  value(v: Json, key = '', parentKey = ''): Json {
    if (typeof v === 'string') {
      if ((key === 'request' || key === 'response') && /^\s*[{[]/.test(v)) {
        try { return this.value(parseJson(v), '', key); } catch { /* not JSON: keep as a string */ }
      }
      if (key === 'leader' || key === 'server' || key === 'server_name') return '<server>';
      return this.str(v);
    }
    if (v instanceof BigLiteral) return v;
    if (typeof v === 'number') {
      if (parentKey === 'api' && (key === 'total' || key === 'errors')) return '<n>';
      if ((key === 'active' && v >= 0) || key === 'ack_time') return '<dur>';
      if (key === 'rtt') return '<rtt>';
      if (parentKey === 'client' && key === 'id') return '<cid>';
      if (key === 'uptime') return '<uptime>';
      if (parentKey === 'server' && key === 'seq') return '<seq>';
      if (parentKey === 'sublist_stats') return '<n>';
      return v;
    }
    if (Array.isArray(v)) {
      const a = v.map((x) => this.value(x, key, parentKey));
      // /accountz imports and exports come in Go map order.
      if (key === 'imports' || key === 'exports') return a.map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x) as Json);
      // Stream info "sources" (source state, with lag/active) come in Go map order; config sources keep theirs.
      if (key === 'sources' && a.length > 1 && a.every((x) => !!x && typeof x === 'object' && 'lag' in (x as object))) {
        return [...a].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
      }
      // /accountz "accounts": names in Go map order.
      if (key === 'accounts' && a.every((x) => typeof x === 'string')) return [...a].sort();
      return a;
    }
    if (v && typeof v === 'object') {
      const o: { [k: string]: Json } = {};
      // The size of a restored snapshot depends on its compression.
      const restoreBytes = (v as { type?: unknown }).type === 'io.nats.jetstream.advisory.v1.restore_complete';
      for (const [k, x] of Object.entries(v)) {
        if (restoreBytes && k === 'bytes') { o[k] = '<n>'; continue; }
        if ((k === 'now' || k === 'uptime') && typeof x === 'string') { o[k] = `<${k}>`; continue; }
        if (k === 'rtt' && typeof x === 'string') { o[k] = '<rtt>'; continue; }
        o[k] = this.value(x, k, key);
      }
      return o;
    }
    return v;
  }
}

/** A normalised deep copy of a transcript (BigLiterals become "#int:<literal>" strings). */
export function normaliseTranscript(t: Transcript, ctx: NormaliseContext = {}): Transcript {
  const n = new Normaliser(ctx);
  const copy: Transcript = { ...t, steps: n.value(t.steps as unknown as Json) as unknown as Transcript['steps'], errors: t.errors.map((e) => n.str(e)) };
  return JSON.parse(JSON.stringify(copy)) as Transcript;
}
