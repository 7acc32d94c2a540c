// tsnats public API: start a NATS server in-process.
//   const srv = await startServer({ port: 0 });
//   srv.url        // nats://127.0.0.1:PORT
//   await srv.shutdown();
import type { Server } from './server/server.js';
import type { ServerOptions } from './options.js';
import { createServer } from './services.js';

export { Server } from './server/server.js';
export type { ServerStats } from './server/server.js';
export type { Reloader, ReloadResult } from './server/reload.js';
export type { Client } from './server/client.js';
export { defaultOptions } from './options.js';
export type { ServerOptions, UserConfig, AccountConfig, AccountLimits, Permissions, WebsocketOptions, WebsocketAuthorization, JetStreamOptions, JetStreamAccountLimits, LeafNodeOptions, RemoteLeafOptions, LeafAuthorization, LeafUser } from './options.js';
export type { JetStreamService } from './services.js';
export { ClosedState, E as ErrorTexts, TsnatsError } from './errors.js';
export type { ClosedReason } from './errors.js';
export { healthChannels } from './server/events.js';
export { VERSION, TSNATS_VERSION } from './const.js';

export type StartOptions = Partial<ServerOptions>;

/**
 * Starts a server and resolves once it accepts connections. Defaults: host 127.0.0.1 (not the
 * CLI's 0.0.0.0), a free port when `port` is 0 or -1, no log output unless `log` is set.
 */
export async function startServer(options: StartOptions = {}): Promise<Server> {
  const srv = createServer({ host: '127.0.0.1', port: 0, ...options });
  await srv.start();
  return srv;
}
export { createServer } from './services.js';
export type { WebsocketService, LeafNodeService } from './services.js';
export type { Service } from './server/service.js';
export { reloadAuthorization } from './auth/auth-reload.js';
export { updateAccountClaims } from './auth/auth.js';
