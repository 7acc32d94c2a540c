// /metrics: Prometheus text exposition with prometheus-nats-exporter's names, plus tsnats'
// health counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/index.js';
import { RawConn } from '../helpers/raw.js';
import { connect } from '@nats-io/transport-node';
import { get, rawClient, until } from './helpers.js';
import { monitorPort } from '../helpers/tsnats.js';

/** name{labels} → value, from the exposition text (and checks every sample line parses). */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# ')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|NaN)$/);
    assert.ok(m, `bad sample line: ${line}`);
    out.set(m[1] + (m[2] ?? ''), Number(m[3]));
  }
  return out;
}

test('/metrics: exporter names and health counters', async (t) => {
  // ping_max 3: the healthy client (same event loop) has ~450 ms to answer, even on a loaded machine.
  const srv = await startServer({ httpPort: -1, pingInterval: 150, pingMax: 3, accounts: [{ name: 'APP', users: [{ user: 'u', password: 'p' }] }] });
  t.after(() => srv.shutdown());
  const port = monitorPort(srv);
  // The official client answers the server's PINGs; the raw one below does not.
  const a = await connect({ servers: srv.url, user: 'u', pass: 'p' });
  t.after(() => a.close());
  a.subscribe('foo', { callback: () => {} });
  a.publish('foo', 'hi');
  await a.flush();
  // One stale close (never answers PING) and one failed login.
  const frozen = await rawClient(srv.port, { user: 'u', pass: 'p', name: 'frozen' });
  t.after(() => frozen.close());
  const bad = await RawConn.open(srv.port);
  bad.send('CONNECT {"user":"u","pass":"x"}\r\n');
  await bad.readUntilClose();
  await until(() => srv.closedClients.list().some((c) => c.reason === 'Stale Connection'), 10_000, 'stale close');

  const r = await get(port, '/metrics');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(r.text, /^# HELP gnatsd_varz_/);
  assert.match(r.text, /# TYPE gnatsd_connz_in_msgs counter/);
  const m = parse(r.text);
  const sid = `server_id="${srv.id}"`;
  const v = (name: string, labels = '') => m.get(`${name}{${sid}${labels}}`);
  assert.equal(v('gnatsd_varz_connections'), srv.numConnections);
  assert.equal(v('gnatsd_varz_in_msgs'), 1);
  assert.equal(v('gnatsd_varz_ping_interval'), 150_000_000, 'nanoseconds, as /varz');
  assert.equal(v('gnatsd_varz_stale_connections'), 1);
  assert.equal(v('gnatsd_varz_stale_connection_stats_clients'), 1);
  assert.equal(v('gnatsd_varz_slow_consumer_stats_clients'), 0);
  assert.equal(v('gnatsd_varz_stalled_clients'), 0);
  assert.equal(v('gnatsd_varz_start'), srv.startTime.getTime(), 'epoch ms');
  assert.ok((v('gnatsd_varz_http_req_stats_metrics') ?? 0) >= 1);
  assert.equal(v('gnatsd_connz_num_connections'), 1);
  assert.equal(v('gnatsd_connz_subscriptions'), 1);
  assert.equal(v('gnatsd_connz_in_msgs'), 1);
  assert.equal(v('gnatsd_subsz_num_subscriptions'), srv.numSubscriptions);
  assert.equal(v('gnatsd_healthz_status'), 0, '0 when healthy');
  assert.equal(v('gnatsd_healthz_status_value', ',value="ok"'), 1);
  assert.equal(v('gnatsd_accstatz_conns', ',account="APP"'), 1);
  assert.equal(v('gnatsd_accstatz_received_msgs', ',account="APP"'), 1);
  assert.equal(v('tsnats_stale_connections_total'), 1);
  assert.equal(v('tsnats_auth_errors_total'), 1);
  assert.equal(v('tsnats_connections_closed_total', ',reason="Stale Connection"'), 1);
  assert.equal(v('tsnats_connections_closed_total', ',reason="Authentication Failure"'), 1);
  assert.equal(v('gnatsd_varz_info', `,server_name="${srv.name}",version="2.9.10"`), 1);
  assert.ok((v('tsnats_max_idle_seconds') ?? -1) >= 0);
});
