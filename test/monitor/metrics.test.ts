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

test('/metrics: JetStream gauges per stream and per consumer (exporter names)', async (t) => {
  const srv = await startServer({ httpPort: -1, jetstream: { memoryOnly: true } });
  t.after(() => srv.shutdown());
  const nc = await connect({ servers: srv.url });
  t.after(() => nc.close());
  const enc = new TextEncoder();
  const api = (s: string, b: unknown) => nc.request(`$JS.API.${s}`, enc.encode(JSON.stringify(b)));
  await api('STREAM.CREATE.S', { name: 'S', subjects: ['s.>'], max_msgs: 100 });
  for (let i = 0; i < 3; i++) await nc.request('s.a', enc.encode('x'));
  await api('CONSUMER.DURABLE.CREATE.S.C', { stream_name: 'S', config: { durable_name: 'C', ack_policy: 'explicit', max_ack_pending: 10 } });
  // A pulled message arrives with the stream subject: a request of its own (noMux), as JetStream clients do.
  const m1 = await nc.request('$JS.API.CONSUMER.MSG.NEXT.S.C', enc.encode('1'), { timeout: 3000, noMux: true });
  assert.match(m1.reply ?? '', /^\$JS\.ACK\.S\.C\./);
  const m = parse((await get(monitorPort(srv), '/metrics')).text);
  const sid = `server_id="${srv.id}"`;
  const st = `${sid},account="$G",stream_name="S"`;
  const co = `${st},consumer_name="C"`;
  assert.equal(m.get(`jetstream_server_jetstream_disabled{${sid}}`), 0);
  assert.equal(m.get(`jetstream_server_total_streams{${sid}}`), 1);
  assert.equal(m.get(`jetstream_server_total_consumers{${sid}}`), 1);
  assert.equal(m.get(`jetstream_server_total_messages{${sid}}`), 3);
  assert.equal(m.get(`jetstream_stream_total_messages{${st}}`), 3);
  assert.equal(m.get(`jetstream_stream_last_seq{${st}}`), 3);
  assert.equal(m.get(`jetstream_stream_consumer_count{${st}}`), 1);
  assert.equal(m.get(`jetstream_stream_max_msgs{${st}}`), 100);
  assert.equal(m.get(`jetstream_consumer_num_ack_pending{${co}}`), 1);
  assert.equal(m.get(`jetstream_consumer_num_pending{${co}}`), 2);
  assert.equal(m.get(`jetstream_consumer_delivered_stream_seq{${co}}`), 1);
  assert.equal(m.get(`jetstream_consumer_ack_floor_stream_seq{${co}}`), 0);
  assert.equal(m.get(`jetstream_consumer_max_ack_pending{${co}}`), 10);

  const plain = await startServer({ httpPort: -1 });
  t.after(() => plain.shutdown());
  const p = parse((await get(monitorPort(plain), '/metrics')).text);
  assert.equal(p.get(`jetstream_server_jetstream_disabled{server_id="${plain.id}"}`), 1);
  assert.equal(p.get(`jetstream_server_total_streams{server_id="${plain.id}"}`), undefined);
});
