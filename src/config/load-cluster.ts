// cluster { … } (opts.go parseCluster): listen/host/port, name, advertise, no_advertise,
// authorization (one user, no token), routes, connect_retries, permissions, tls — the reference's keys,
// aliases and messages, each problem at its file:line:col.
import type { ClusterOptions, RoutePermissions } from '../options.js';
import type { ConfNode } from './parse.js';
import { entries, goType, type LoadContext } from './load-values.js';
import { parseAuthBlock, loadPermissions } from './load-auth.js';
import { hostPort } from './load.js';
import { parseRouteURL } from '../cluster/url.js';
import { parseTlsBlock } from './load-tls.js';

export function loadCluster(ctx: LoadContext, node: ConfNode): void {
  if (node.kind !== 'map') return void ctx.error(node, `Expected map to define cluster, got ${goType(node)}`);
  const c: ClusterOptions = {};
  let authPerms: RoutePermissions | undefined;
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      case 'name': {
        const name = ctx.str(v, rawKey);
        if (name !== undefined) c.name = name;
        break;
      }
      case 'listen': {
        const hp = hostPort(ctx, v);
        if (!hp) break;
        if (hp.host) c.host = hp.host;
        if (hp.port !== undefined) {
          if (hp.port < -1 || hp.port > 65535) ctx.error(v, `invalid port ${hp.port}`);
          else c.port = hp.port;
        }
        break;
      }
      case 'port': {
        const p = ctx.int(v, rawKey);
        if (p === undefined) break;
        if (p < -1 || p > 65535) ctx.error(v, `invalid port ${p}`);
        else c.port = p;
        break;
      }
      case 'host':
      case 'net': {
        const h = ctx.str(v, rawKey);
        if (h !== undefined) c.host = h;
        break;
      }
      case 'authorization': {
        const auth = parseAuthBlock(ctx, v);
        if (!auth) break;
        if (auth.users) {
          ctx.error(v, 'Cluster authorization does not allow multiple users');
          break;
        }
        if (auth.token) {
          ctx.error(v, 'Cluster authorization does not support tokens');
          break;
        }
        if (auth.user !== undefined) c.username = auth.user;
        if (auth.pass !== undefined) c.password = auth.pass;
        if (auth.timeout) c.authTimeout = auth.timeout;
        if (auth.defaultPermissions) {
          ctx.warn(v, `invalid use of field ${JSON.stringify(rawKey)}: setting "permissions" within cluster authorization block is deprecated`, 'deprecated');
          authPerms = { import: auth.defaultPermissions.publish, export: auth.defaultPermissions.subscribe };
        }
        break;
      }
      case 'routes':
        loadRoutes(ctx, v);
        break;
      case 'tls': {
        // getTLSConfig: parseTLS outside a client context, then GenTLSConfig (the files read now).
        const tc = parseTlsBlock(ctx, v, false);
        if (tc !== undefined) c.tls = tc;
        break;
      }
      case 'cluster_advertise':
      case 'advertise': {
        const a = ctx.str(v, rawKey);
        if (a !== undefined) c.advertise = a;
        break;
      }
      case 'no_advertise': {
        const b = ctx.bool(v, rawKey);
        if (b !== undefined) c.noAdvertise = b;
        break;
      }
      case 'connect_retries': {
        const n = ctx.int(v, rawKey);
        if (n !== undefined) c.connectRetries = n;
        break;
      }
      case 'permissions': {
        const p = loadPermissions(ctx, v);
        if (!p) break;
        // Dynamic response permissions do not make sense here.
        if (p.allowResponses) {
          ctx.error(v, 'Cluster permissions do not support dynamic responses');
          break;
        }
        c.permissions = { import: p.publish, export: p.subscribe };
        break;
      }
      default:
        ctx.unknownField(rawKey, v);
    }
  }
  // Permissions in the authorization block apply unless the block has its own.
  if (authPerms && !c.permissions) c.permissions = authPerms;
  ctx.set('cluster', c, node);
}

/** routes: [ url, … ] (parseURLs: duplicates warned and skipped, unparsable URLs refused). */
function loadRoutes(ctx: LoadContext, node: ConfNode): void {
  if (node.kind !== 'array') {
    if (node.kind === 'string') return void ctx.set('routes', [node.value], node);
    return void ctx.error(node, `error parsing routes: unsupported type ${goType(node)}`);
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const el of node.value) {
    if (el.kind !== 'string') {
      ctx.error(el, `error parsing routes: unsupported type in array ${goType(el)}`);
      continue;
    }
    if (seen.has(el.value)) {
      ctx.warn(el, `invalid use of field ${JSON.stringify(el.value)}: Duplicate route entry detected`, 'deprecated');
      continue;
    }
    seen.add(el.value);
    const u = parseRouteURL(el.value);
    if (typeof u === 'string') {
      ctx.error(el, u);
      continue;
    }
    out.push(u.text);
  }
  ctx.set('routes', out, node);
}
