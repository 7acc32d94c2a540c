// TLS on leafnode connections (leafnodes.tls on the hub, remotes[].tls on the leaf), as nats-server
// 2.9.10 does it: the hub's INFO in plaintext (tls_required), then the leaf's TLS handshake, then
// CONNECT over TLS. Every pairing of tsnats and nats-server; a hub that verifies leaf certificates;
// a leaf that does not trust the hub, and one without a certificate for a verifying hub, refused.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { startConf, waitLeafs, eventually } from '../helpers/leaf.js';
import { testCerts, opensslBin } from '../helpers/certs.js';
import { RawConn } from '../helpers/raw.js';
import { crossed } from './suite.js';

const PAIRS: [ServerKind, ServerKind][] = hasNatsServer()
  ? [['tsnats', 'tsnats'], ['tsnats', 'nats-server'], ['nats-server', 'tsnats']]
  : [['tsnats', 'tsnats']];

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

describe('TLS on leafnode connections', { skip: !opensslBin() && 'openssl is not installed' }, () => {
  for (const [hubKind, leafKind] of PAIRS) {
    test(`${hubKind} hub (tls, verify), ${leafKind} leaf (tls with ca_file and a client certificate): messages both ways`, async () => {
      const C = await testCerts();
      const hub = await startConf(hubKind, 'HUB', `leafnodes {
  listen: "127.0.0.1:$LEAFPORT"
  tls { cert_file: "${C.server.cert}", key_file: "${C.server.key}", ca_file: "${C.ca.cert}", verify: true, timeout: 2 }
}`);
      cleanup.push(() => hub.server.stop());
      // The hub's INFO says TLS is required, in plaintext.
      const raw = await RawConn.open(hub.leafPort);
      const info = JSON.parse((await raw.readLine()).slice(5)) as Record<string, unknown>;
      raw.sock.destroy();
      assert.equal(info.tls_required, true);
      assert.equal(info.tls_verify, true);
      const leaf = await startConf(leafKind, 'LEAF', `leafnodes { remotes [ {
  url: "nats-leaf://127.0.0.1:${hub.leafPort}"
  tls { ca_file: "${C.ca.cert}", cert_file: "${C.clientDn.cert}", key_file: "${C.clientDn.key}" }
} ] }`);
      cleanup.push(() => leaf.server.stop());
      await Promise.all([waitLeafs(hub, 1), waitLeafs(leaf, 1)]);
      const hc = await connect({ servers: hub.url });
      const lc = await connect({ servers: leaf.url });
      cleanup.push(() => hc.close(), () => lc.close());
      const got: string[] = [];
      lc.subscribe('down', { callback: (_e, m) => { got.push(`leaf:${m.string()}`); } });
      hc.subscribe('up', { callback: (_e, m) => { got.push(`hub:${m.string()}`); } });
      await Promise.all([lc.flush(), hc.flush()]);
      await crossed(hc, lc, 'down.probe');
      await crossed(lc, hc, 'up.probe');
      hc.publish('down', 'a');
      lc.publish('up', 'b');
      await eventually(() => got.length === 2, 5000, 'both messages over TLS');
      assert.deepEqual(got.sort(), ['hub:b', 'leaf:a']);
    });
  }

  test('a leaf that does not trust the hub, and one without a certificate for a verifying hub: refused, retried, never registered', async () => {
    const C = await testCerts();
    const hub = await startConf('tsnats', 'HUB', `leafnodes {
  listen: "127.0.0.1:$LEAFPORT"
  tls { cert_file: "${C.server.cert}", key_file: "${C.server.key}", ca_file: "${C.ca.cert}", verify: true }
}`);
    cleanup.push(() => hub.server.stop());
    const untrusting = await startConf('tsnats', 'L1', `leafnodes { reconnect: 1, remotes [ { url: "nats-leaf://127.0.0.1:${hub.leafPort}", tls { ca_file: "${C.otherCa.cert}" } } ] }`);
    cleanup.push(() => untrusting.server.stop());
    const noCert = await startConf('tsnats', 'L2', `leafnodes { reconnect: 1, remotes [ { url: "nats-leaf://127.0.0.1:${hub.leafPort}", tls { ca_file: "${C.ca.cert}" } } ] }`);
    cleanup.push(() => noCert.server.stop());
    // Without a tls block at all: the hub's INFO says TLS is required; the leaf dials again for it, then fails to verify.
    const plain = await startConf('tsnats', 'L3', `leafnodes { reconnect: 1, remotes [ { url: "nats-leaf://127.0.0.1:${hub.leafPort}" } ] }`);
    cleanup.push(() => plain.server.stop());
    await untrusting.server.waitForOutput(/TLS leafnode handshake error: .*(self.signed|unable to verify|certificate)/i, 5000);
    await noCert.server.waitForOutput(/TLS leafnode handshake error|Leafnode connection closed/, 5000);
    await hub.server.waitForOutput(/TLS handshake error/, 5000);
    await plain.server.waitForOutput(/The remote requires TLS: dialling again for it/, 5000);
    await new Promise((r) => setTimeout(r, 1500));
    await waitLeafs(hub, 0);
    const closed = (await (await fetch(`http://127.0.0.1:${hub.server.httpPort}/connz?state=closed`)).json()) as { connections: { kind?: string; reason?: string }[] };
    assert.ok(closed.connections.some((c) => c.kind === 'Leafnode' && c.reason === 'TLS Handshake Failure'), JSON.stringify(closed.connections.slice(-5)));
  });
});
