// A child process with the official client for the zombie test: connects as user/pass (client-side
// pings off, no reconnect), prints "ready", and waits to be stopped or killed.
import { connect } from '@nats-io/transport-node';

const [url, user, pass, name] = process.argv.slice(2);
const nc = await connect({ servers: url, user, pass, name, pingInterval: 3600_000, reconnect: false });
nc.subscribe('zombie.>', { callback: () => {} });
await nc.flush();
process.stdout.write('ready\n');
setInterval(() => {}, 1 << 30);
