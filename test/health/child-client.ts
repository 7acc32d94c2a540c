// A child process with the official client, for fault tests: connects (client-side pings off),
// subscribes to `fault.>`, prints "ready", and waits to be stopped or killed.
import { connect } from '@nats-io/transport-node';

const [url, name] = process.argv.slice(2);
const nc = await connect({ servers: url, name, pingInterval: 3600_000, reconnect: false });
nc.subscribe('fault.>', { callback: () => {} });
await nc.flush();
process.stdout.write('ready\n');
setInterval(() => {}, 1 << 30);
