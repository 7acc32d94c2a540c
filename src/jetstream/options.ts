// Whether a server runs JetStream and with which options (`-js`, `-sd`, `jetstream { … }`,
// startServer({ jetstream })). Kept apart so that a server without JetStream never loads it.
import type { JetStreamOptions, ServerOptions } from '../options.js';

/** The JetStream options of a server, or null when JetStream is off. */
export function jetStreamOptions(o: ServerOptions): JetStreamOptions | null {
  const js = o.jetstream;
  if (js === undefined || js === false) return null;
  if (js === true) return o.storeDir !== undefined ? { storeDir: o.storeDir } : {};
  if (js.enabled === false) return null;
  return js.storeDir === undefined && o.storeDir !== undefined ? { ...js, storeDir: o.storeDir } : js;
}

