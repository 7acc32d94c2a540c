// Node builtins that only some runs need, loaded at first use instead of with the module that uses
// them (docs/performance.md, "Start-up"): node:crypto alone is ~17 of Node's internal modules and
// ~1.5 ms of a fresh process. process.getBuiltinModule (Node ≥ 20.16), else require.
import { createRequire } from 'node:module';

type Builtins = { crypto: typeof import('node:crypto'); tls: typeof import('node:tls') };

const get: <K extends keyof Builtins>(id: `node:${K}`) => Builtins[K] =
  typeof process.getBuiltinModule === 'function'
    ? (id) => process.getBuiltinModule(id) as never
    : (id) => createRequire(import.meta.url)(id) as never;

let crypto: Builtins['crypto'] | null = null;
let tls: Builtins['tls'] | null = null;

/** node:crypto (hashes, random bytes, constant-time comparison). */
export function nodeCrypto(): Builtins['crypto'] {
  return (crypto ??= get('node:crypto'));
}

/** node:tls. */
export function nodeTls(): Builtins['tls'] {
  return (tls ??= get('node:tls'));
}
