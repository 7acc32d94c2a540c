// The official nkeys and JWT libraries, loaded on first use: a server without nkey users or
// operator mode never pays for them (they are most of the CLI's start-up time otherwise).
import { createRequire } from 'node:module';
import type * as Nkeys from '@nats-io/nkeys';
import type * as Jwt from '@nats-io/jwt';
import type * as TransportNode from '@nats-io/transport-node';

const require = createRequire(import.meta.url);
let nkeys: typeof Nkeys | null = null;
let jwt: typeof Jwt | null = null;

export function nkeysLib(): typeof Nkeys {
  return (nkeys ??= require('@nats-io/nkeys') as typeof Nkeys);
}

export function jwtLib(): typeof Jwt {
  return (jwt ??= require('@nats-io/jwt') as typeof Jwt);
}

/**
 * The official NATS client (the doctor's $SYS requests). Required, not imported: the CLI runs as a
 * script from V8's code cache (cli/loader.cts), where import() has no module loader to call.
 */
export function transportNodeLib(): typeof TransportNode {
  return require('@nats-io/transport-node') as typeof TransportNode;
}
