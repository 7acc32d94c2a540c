// Monitoring HTTP edges against nats-server (issue 13 item 12): a path that is not clean is
// redirected (Go's ServeMux), a request line without a version is refused, and /subsz?subs=1 lists
// the internal subscriptions under their internal clients (cid 1: the system account's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer, hasNatsServer, type ServerKind } from '../helpers/servers.js';

/** Sends raw bytes to the monitor port; resolves with everything received up to close or `ms`. */
function raw(port: number, bytes: string, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(bytes));
    const done = () => { clearTimeout(t); s.destroy(); resolve(out); };
    const t = setTimeout(done, ms);
    s.on('data', (d) => {
      out += d.toString('latin1');
      // A complete response with its body: stop waiting.
      const m = /Content-Length: (\d+)\r\n/i.exec(out);
      const end = out.indexOf('\r\n\r\n');
      if (m && end >= 0 && out.length >= end + 4 + Number(m[1])) done();
    });
    s.on('close', done);
    s.on('error', done);
  });
}

/** Status line, the headers that matter, and the body; Date and Keep-Alive dropped. */
function shape(resp: string): string {
  const [head, body = ''] = resp.split('\r\n\r\n');
  const lines = head.split('\r\n').filter((l) => !/^(Date|Connection|Keep-Alive|Content-Length):/i.test(l));
  return [...lines, '', body].join('\n');
}

const kinds: ServerKind[] = hasNatsServer() ? ['nats-server', 'tsnats'] : ['tsnats'];

test('//connz and /a/../varz are redirected to their clean path; a request without a version gets 400', async (t) => {
  const answers: Record<string, string[]> = {};
  for (const kind of kinds) {
    const srv = await startServer(kind, { monitor: true });
    t.after(() => srv.stop());
    const port = srv.httpPort!;
    answers[kind] = [
      shape(await raw(port, 'GET //connz?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n')),
      shape(await raw(port, 'GET /a/../varz HTTP/1.1\r\nHost: x\r\n\r\n')),
      await raw(port, 'GET /varz\r\n\r\n'),
    ];
  }
  assert.equal(answers.tsnats[0], 'HTTP/1.1 301 Moved Permanently\nContent-Type: text/html; charset=utf-8\nLocation: /connz?limit=1\n\n<a href="/connz?limit=1">Moved Permanently</a>.\n\n');
  assert.equal(answers.tsnats[2], 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
  if (answers['nats-server']) assert.deepEqual(answers.tsnats, answers['nats-server']);
});

test('/subsz?subs=1 lists internal subscriptions under the internal clients, as the reference', async (t) => {
  const lists: Record<string, Record<string, number>> = {};
  for (const kind of kinds) {
    const srv = await startServer(kind, { monitor: true });
    t.after(() => srv.stop());
    const all = (await (await fetch(`http://127.0.0.1:${srv.httpPort}/subsz?subs=1&limit=1000`)).json()) as { total: number; num_subscriptions: number; subscriptions_list: { account: string; cid: number; sid: string }[] };
    assert.equal(all.total, all.num_subscriptions, `${kind}: every subscription listed`);
    const sys = (await (await fetch(`http://127.0.0.1:${srv.httpPort}/subsz?subs=1&acc=$SYS&limit=1000`)).json()) as { subscriptions_list?: unknown[] };
    assert.ok((sys.subscriptions_list?.length ?? 0) > 10, `${kind}: the system account's handlers listed`);
    const byClient: Record<string, number> = {};
    for (const s of all.subscriptions_list) byClient[`${s.account} cid ${s.cid}`] = (byClient[`${s.account} cid ${s.cid}`] ?? 0) + 1;
    lists[kind] = byClient;
  }
  // The same internal clients, one per account; the number of handlers differs (docs/compatibility.md:
  // tsnats answers the 2.12 requests and subscribes to no remote-server events without a cluster).
  // nats-server numbers its global account's internal client 2, but once in a full `npm test` run
  // (2026-12-05, under the suite's load) it was 3 (15 quiet starts gave 2): its start-up races for
  // the number. So for it only the accounts are compared; tsnats's numbers are checked below.
  const accounts = (l: Record<string, number>) => Object.keys(l).map((k) => k.split(' ')[0]).sort();
  if (lists['nats-server']) assert.deepEqual(accounts(lists.tsnats), accounts(lists['nats-server']));
  assert.deepEqual(Object.keys(lists.tsnats).sort(), ['$G cid 2', '$SYS cid 1']);
  assert.equal(lists.tsnats['$G cid 2'], 3, 'the global account imports the three system services');
});
