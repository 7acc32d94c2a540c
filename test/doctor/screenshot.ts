// Takes docs/dashboard.png: the dashboard of a server with a staged, realistic workload (a
// frozen client gone stale, a slow consumer cut off, an account near its limit, steady traffic).
// Run: npm run build && node dist/test/doctor/screenshot.js [docs/dashboard.png]
import { stageAll, stageFrozen, stageSlowConsumer, natsClient } from './stage.js';
import { openBrowser } from '../helpers/browser.js';

const out = process.argv[2] ?? 'docs/dashboard.png';
const s = await stageAll({ pingInterval: 400, pingMax: 1, serverName: 'nats-eu-west-1a' });
const b = await openBrowser({ width: 1360, height: 1000 });
try {
  // Steady traffic with a little variety, while the page collects history.
  const extra = [await natsClient(s.srv, { name: 'inventory-svc' }), await natsClient(s.srv, { name: 'billing-svc' })];
  s.ncs.push(...extra);
  extra[1]!.subscribe('orders.*', { callback: () => {} });
  const timer = setInterval(() => {
    for (let i = 0; i < 7; i++) s.ncs[0]!.publish('orders.new', 'order');
    extra[0]!.publish('inventory.level', 'x');
  }, 100);
  await b.page.goto(`${s.httpUrl}/dashboard?interval=500`);
  await b.page.waitForSelector('#conns tbody tr[data-cid]');
  await new Promise((r) => setTimeout(r, 2500));
  await stageFrozen(s.srv, 'edge-gateway-7');
  await new Promise((r) => setTimeout(r, 1500));
  const slow = await stageSlowConsumer(s.srv, 'analytics-export');
  s.ncs.push(slow.pub);
  s.raws.push(slow.sub);
  await new Promise((r) => setTimeout(r, 2000));
  clearInterval(timer);
  await b.page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await b.close();
  await s.stop();
}
