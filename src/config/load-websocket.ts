// websocket { … } (opts.go parseWebsocket): the same keys and aliases, positions for every problem.
// The checks across options (TLS or no_tls, no_auth_user, users against the block's user/token,
// jwt_cookie) are validateOptions' (options-validate.ts), reported at the block's position.
//   - port: -1 = a free port; 0 or none = no listener (the block is then dropped, and, as the
//     reference, not validated further);
//   - host defaults to 0.0.0.0 as the reference (the embedding API defaults to the server's host);
//   - no_tls defaults to false, so a block without `tls` must say `no_tls: true`.
import { parseTlsBlock } from './load-tls.js';
import type { WebsocketAuthorization, WebsocketOptions } from '../options.js';
import { goQuote } from '../errors.js';
import type { ConfNode } from './parse.js';
import { entries, goType, type LoadContext } from './load-values.js';
import { parseGoDuration } from './duration.js';
import * as C from '../const.js';

const ORIGIN_KEYS = new Set(['allowed_origins', 'allowed_origin', 'allow_origins', 'allow_origin', 'origins', 'origin']);

/** listen: `port`, `host:port` or `[ipv6]:port` (parseListen). */
function listen(ctx: LoadContext, node: ConfNode): { host?: string; port?: number } | undefined {
  if (node.kind === 'integer') return { port: node.value };
  if (node.kind !== 'string') return ctx.error(node, `expected port or host:port, got ${goType(node)}`);
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(node.value);
  if (!m) return ctx.error(node, `could not parse address string ${goQuote(node.value)}`);
  const p = m[3]!;
  if (!/^[+-]?\d+$/.test(p)) return ctx.error(node, `could not parse port ${goQuote(p)}`);
  return { host: m[1] ?? m[2] ?? '', port: Number(p) };
}

/** parseSimpleAuth: user/username, pass/password, token, timeout (seconds). */
function simpleAuth(ctx: LoadContext, node: ConfNode, key: string): WebsocketAuthorization | undefined {
  const m = ctx.map(node, key);
  if (!m) return undefined;
  const a: WebsocketAuthorization = {};
  for (const [k, rawKey, v] of entries(m)) {
    switch (k) {
      case 'user':
      case 'username':
        a.user = ctx.str(v, rawKey);
        break;
      case 'pass':
      case 'password':
        a.password = ctx.str(v, rawKey);
        break;
      case 'token':
        a.token = ctx.str(v, rawKey);
        break;
      case 'timeout':
        a.timeout = ctx.seconds(v, 'websocket authorization timeout');
        break;
      default:
        ctx.unknownField(rawKey, v);
    }
  }
  return a;
}

export function loadWebsocket(ctx: LoadContext, node: ConfNode): void {
  if (node.kind !== 'map') return void ctx.error(node, `Expected websocket to be a map, got ${goType(node)}`);
  const ws: WebsocketOptions = { host: C.DEFAULT_HOST, port: 0, noTls: false };
  let port = 0;
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      case 'listen': {
        const hp = listen(ctx, v);
        if (!hp) break;
        if (hp.host !== undefined) ws.host = hp.host;
        if (hp.port !== undefined) port = hp.port;
        break;
      }
      case 'port': {
        const p = ctx.int(v, rawKey);
        if (p !== undefined) port = p;
        break;
      }
      case 'host':
      case 'net': {
        const h = ctx.str(v, rawKey);
        if (h !== undefined) ws.host = h;
        break;
      }
      case 'advertise':
        ws.advertise = ctx.str(v, rawKey);
        break;
      case 'no_tls':
        ws.noTls = ctx.bool(v, rawKey) ?? false;
        break;
      case 'tls': {
        // The same block as the client port's (certificates, verify, ciphers, timeout), for wss://.
        const tc = parseTlsBlock(ctx, v);
        if (tc !== undefined) ws.tlsConfig = tc;
        break;
      }
      case 'same_origin':
        ws.sameOrigin = ctx.bool(v, rawKey);
        break;
      case 'handshake_timeout': {
        // A number is seconds, a string a Go duration (no deprecation warning here, as the reference).
        if (v.kind === 'integer') ws.handshakeTimeout = v.value * 1000;
        else if (v.kind === 'string') {
          try {
            ws.handshakeTimeout = parseGoDuration(v.value);
          } catch (e) {
            ctx.error(v, (e as Error).message);
            break;
          }
        } else {
          ctx.error(v, `error parsing handshake timeout: unsupported type ${goType(v)}`);
          break;
        }
        if (ws.handshakeTimeout < 0) {
          ctx.error(v, `invalid handshake_timeout of ${v.kind === 'string' ? v.value : `${v.value}s`}, needs to be positive`);
          ws.handshakeTimeout = undefined;
        }
        break;
      }
      case 'compress':
      case 'compression':
        ws.compression = ctx.bool(v, rawKey);
        break;
      case 'authorization':
      case 'authentication':
        ws.authorization = simpleAuth(ctx, v, rawKey);
        break;
      case 'jwt_cookie':
        ws.jwtCookie = ctx.str(v, rawKey);
        break;
      case 'no_auth_user':
        ws.noAuthUser = ctx.str(v, rawKey);
        break;
      default:
        if (ORIGIN_KEYS.has(key)) ws.allowedOrigins = ctx.strings(v, 'allowed origins');
        else ctx.unknownField(rawKey, v);
    }
  }
  if (port < -1 || port > 65535) return void ctx.error(node, `invalid websocket port ${port}`);
  // No port: no listener, and the reference validates nothing else (validateWebsocketOptions).
  if (port === 0) return void ctx.unset('websocket', node);
  ws.port = port;
  for (const k of Object.keys(ws) as (keyof WebsocketOptions)[]) if (ws[k] === undefined) delete ws[k];
  ctx.set('websocket', ws, node);
}
