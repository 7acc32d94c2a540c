// A remote with `credentials` (a user JWT and its nkey seed) joining a hub in operator mode: the
// leaf signs the hub's nonce and sends the JWT; the hub binds the user's account. Every pairing of
// tsnats and nats-server; a user whose JWT does not allow LEAFNODE connections is refused.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { startConf, waitLeafs, eventually } from '../helpers/leaf.js';
import { Operators } from '../auth/helpers.js';
import { crossed } from './suite.js';

const dir = mkdtempSync(join(tmpdir(), 'tsnats-leaf-op-'));
const PAIRS: [ServerKind, ServerKind][] = hasNatsServer()
  ? [['tsnats', 'tsnats'], ['tsnats', 'nats-server'], ['nats-server', 'tsnats']]
  : [['tsnats', 'tsnats']];

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

describe('leafnode remote credentials to a hub in operator mode', () => {
  for (const [hubKind, leafKind] of PAIRS) {
    test(`${hubKind} hub, ${leafKind} leaf: the JWT user binds its account; a JWT not allowing LEAFNODE is refused`, async () => {
      const ops = await new Operators().init();
      const acc = await ops.account('A');
      const leafUser = await ops.user('leaf', acc.kp);
      const appUser = await ops.user('app', acc.kp);
      const stdOnly = await ops.user('std', acc.kp, { allowed_connection_types: ['STANDARD'] });
      const creds = join(dir, `leaf-${hubKind}-${leafKind}.creds`);
      writeFileSync(creds, leafUser.creds);
      const badCreds = join(dir, `std-${hubKind}-${leafKind}.creds`);
      writeFileSync(badCreds, stdOnly.creds);
      const hub = await startConf(hubKind, 'HUB', `${ops.conf(dir, { [acc.kp.getPublicKey()]: acc.jwt })}
leafnodes { listen: "127.0.0.1:$LEAFPORT" }`);
      cleanup.push(() => hub.server.stop());
      const leaf = await startConf(leafKind, 'LEAF', `
leafnodes { reconnect: 1, remotes [
  { url: "nats-leaf://127.0.0.1:${hub.leafPort}", credentials: "${creds}" }
  { url: "nats-leaf://127.0.0.1:${hub.leafPort}", credentials: "${badCreds}", account: L2 }
] }
accounts { L2 {} }`);
      cleanup.push(() => leaf.server.stop());
      const hl = await waitLeafs(hub, 1);
      assert.equal(hl[0].account, acc.kp.getPublicKey());
      // The refused remote keeps trying, and never registers.
      await new Promise((r) => setTimeout(r, 1200));
      await waitLeafs(hub, 1);
      await waitLeafs(leaf, 1);
      await leaf.server.waitForOutput(/Leafnode Error 'Authorization Violation'/, 3000);
      const hc = await connect({ servers: hub.url, authenticator: credsAuthenticator(appUser.creds) });
      cleanup.push(() => hc.close());
      const lc = await connect({ servers: leaf.url });
      cleanup.push(() => lc.close());
      const got: string[] = [];
      lc.subscribe('from.hub', { callback: (_e, m) => { got.push(`leaf:${m.string()}`); } });
      hc.subscribe('from.leaf', { callback: (_e, m) => { got.push(`hub:${m.string()}`); } });
      await Promise.all([lc.flush(), hc.flush()]);
      await crossed(hc, lc, 'from.hub.probe');
      await crossed(lc, hc, 'from.leaf.probe');
      hc.publish('from.hub', 'a');
      lc.publish('from.leaf', 'b');
      await eventually(() => got.length === 2, 5000, 'both messages');
      assert.deepEqual(got.sort(), ['hub:b', 'leaf:a']);
    });
  }
});
