// The in-process leaf for Node apps: `startServer({ leafnodes: { remotes: [{ url }] } })` gives the
// app a local server joined to a company NATS (nats-server when installed) with one option; the
// app's clients reach the company's services and subscribers, and the company reaches the app's;
// shutdown leaves nothing on the hub.
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { startServer } from '../../src/index.js';
import { hasNatsServer } from '../helpers/servers.js';
import { startConf, waitLeafs, eventually } from '../helpers/leaf.js';
import { crossed } from './suite.js';

test('an app joins the company NATS with one option', async (t) => {
  const company = await startConf(hasNatsServer() ? 'nats-server' : 'tsnats', 'COMPANY', 'leafnodes { listen: "127.0.0.1:$LEAFPORT" }');
  t.after(() => company.server.stop());
  const cc = await connect({ servers: company.url });
  t.after(() => cc.close());
  cc.subscribe('prices.get', { callback: (_e, m) => { m.respond(JSON.stringify({ sku: m.string(), price: 42 })); } });
  const audit: string[] = [];
  cc.subscribe('audit.>', { callback: (_e, m) => { audit.push(`${m.subject}:${m.string()}`); } });
  await cc.flush();

  // The app: a local server that is a leaf of the company NATS.
  const local = await startServer({ port: 0, leafnodes: { remotes: [{ url: `nats-leaf://127.0.0.1:${company.leafPort}` }] } });
  let stopped = false;
  t.after(() => (stopped ? undefined : local.shutdown()));
  await waitLeafs(company, 1);
  const app = await connect({ servers: local.url });
  t.after(() => app.close());
  await eventually(async () => {
    try {
      return (await app.request('prices.get', 'abc', { timeout: 300 })).json<{ price: number }>().price === 42;
    } catch {
      return false;
    }
  }, 5000, 'the company service from the app');
  await crossed(app, cc, 'audit.probe');
  app.publish('audit.login', 'alice');
  await app.flush();
  await eventually(() => audit.includes('audit.login:alice'), 5000, 'the app event at the company');
  // The company reaches the app's own service.
  app.subscribe('app.health', { callback: (_e, m) => { m.respond('ok'); } });
  await app.flush();
  await eventually(async () => {
    try {
      return (await cc.request('app.health', '', { timeout: 300 })).string() === 'ok';
    } catch {
      return false;
    }
  }, 5000, 'the app service from the company');
  await app.close();
  await local.shutdown();
  stopped = true;
  await waitLeafs(company, 0);
});
