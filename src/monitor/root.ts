// The monitor's root page: links to every endpoint, relative to http_base_path (as the reference's
// HandleRoot page, in our own markup).
import * as C from '../const.js';

const LINKS: [string, string][] = [
  ['/varz', 'General'],
  ['/jsz', 'JetStream'],
  ['/connz', 'Connections'],
  ['/accountz', 'Accounts'],
  ['/accstatz', 'Account Stats'],
  ['/subsz', 'Subscriptions'],
  ['/routez', 'Routes'],
  ['/leafz', 'LeafNodes'],
  ['/gatewayz', 'Gateways'],
  ['/healthz', 'Health Probe'],
  ['/metrics', 'Prometheus metrics'],
  ['/dashboard', 'Dashboard'],
];

export function rootPage(base: string): string {
  const prefix = base === '/' ? '' : base;
  const links = LINKS.map(([p, name]) => `    <a href=".${prefix}${p}">${name}</a>`).join('\n');
  return `<html lang="en">
  <head>
    <title>tsnats monitoring</title>
    <style type="text/css">
      body { font-family: ui-sans-serif, system-ui, sans-serif; margin-left: 32px }
      a { display: block; padding-bottom: 6px; text-decoration: none }
    </style>
  </head>
  <body>
    <h2>tsnats ${C.TSNATS_VERSION} (nats-server ${C.VERSION} protocol)</h2>
${links}
    <a href="https://docs.nats.io/running-a-nats-service/nats_admin/monitoring">Help</a>
  </body>
</html>`;
}
