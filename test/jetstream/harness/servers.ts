// The server factory of the harness: a fresh server of either kind with JetStream, its own store
// directory and the scenario's config. The same config text is given to both kinds (nats.conf syntax).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerKind, type TestServer } from '../../helpers/servers.js';
import type { Setup } from './model.js';

export type { ServerKind };

export interface JsServer {
  kind: ServerKind;
  url: string;
  port: number;
  monitorUrl?: string;
  /** The directory given as jetstream.store_dir (the server keeps its data in <dir>/jetstream). */
  storeDir: string;
  /** The server process; restart() replaces it (same port, same store directory). */
  server: TestServer;
  /** Stops the server (and a restarted one) and removes its directory. */
  stop(): Promise<void>;
}

/** Fixed limits so that transcripts do not depend on the machine's memory and disk. */
export const BASE_JS_LIMITS = 'max_memory_store: 268435456\n  max_file_store: 1073741824';

/** The config file text for a setup. */
export function configText(setup: Setup, storeDir: string): string {
  const parts: string[] = [];
  if (setup.jetstream !== false) {
    parts.push(`jetstream {\n  store_dir: ${JSON.stringify(storeDir)}\n  ${BASE_JS_LIMITS}\n${setup.jetstreamBlock ?? ''}\n}`);
  }
  if (setup.config) parts.push(setup.config);
  return parts.join('\n') + '\n';
}

/** Starts a fresh server of `kind` for a scenario setup. stop() also removes its directory. */
export async function startJsServer(kind: ServerKind, setup: Setup = {}): Promise<JsServer> {
  const dir = await mkdtemp(join(tmpdir(), `js-harness-${kind}-`));
  const storeDir = join(dir, 'store');
  const conf = join(dir, 'server.conf');
  await writeFile(conf, configText(setup, storeDir));
  let server: TestServer;
  try {
    server = await startServer(kind, { config: conf, monitor: !!setup.monitor });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const js: JsServer = {
    kind,
    url: server.url,
    port: server.port,
    monitorUrl: server.httpPort ? `http://127.0.0.1:${server.httpPort}` : undefined,
    storeDir,
    server,
    async stop() {
      await js.server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return js;
}
