// leafnodes { … } (opts.go parseLeafNodes, parseLeafAuthorization, parseLeafUsers,
// parseRemoteLeafNodes): the reference's keys, aliases and messages, each problem at its
// file:line:col. Checks across options (accounts that must exist, operator mode) are
// validateOptions' (options-validate.ts), as the reference's validateLeafNode runs after parsing.
import type { LeafAuthorization, LeafNodeOptions, LeafUser, RemoteLeafOptions } from '../options.js';
import type { ConfNode } from './parse.js';
import { entries, goType, type LoadContext } from './load-values.js';
import { hostPort } from './load.js';
import { parseLeafURL } from '../leaf/url.js';
import { plainValue } from './load-auth.js';
import { checkLeafMinVersion } from '../leaf/validate.js';
import { parseTlsBlock } from './load-tls.js';


export function loadLeafnodes(ctx: LoadContext, node: ConfNode): void {
  if (node.kind !== 'map') return void ctx.error(node, `Expected map to define a leafnode, got ${goType(node)}`);
  const ln: LeafNodeOptions = {};
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      case 'listen': {
        const hp = hostPort(ctx, v);
        if (!hp) break;
        if (hp.host) ln.host = hp.host;
        if (hp.port !== undefined) setPort(ctx, v, ln, hp.port);
        break;
      }
      case 'port': {
        const p = ctx.int(v, rawKey);
        if (p !== undefined) setPort(ctx, v, ln, p);
        break;
      }
      case 'host':
      case 'net': {
        const h = ctx.str(v, rawKey);
        if (h !== undefined) ln.host = h;
        break;
      }
      case 'authorization': {
        const a = loadLeafAuthorization(ctx, v);
        if (a === undefined) break;
        // validateLeafNodeAuthOptions
        if (a.users !== undefined && a.users.length > 0) {
          if (a.user !== undefined && a.user !== '') {
            ctx.error(v, 'can not have a single user/pass and a users array');
            break;
          }
          const seen = new Set<string>();
          let dup = false;
          for (const u of a.users) {
            if (seen.has(u.user)) {
              ctx.error(v, `duplicate user ${JSON.stringify(u.user)} detected in leafnode authorization`);
              dup = true;
              break;
            }
            seen.add(u.user);
          }
          if (dup) break;
        }
        ln.authorization = a;
        break;
      }
      case 'remotes': {
        const r = loadRemotes(ctx, v);
        if (r !== undefined) ln.remotes = r;
        break;
      }
      case 'reconnect':
      case 'reconnect_delay':
      case 'reconnect_interval': {
        // opts.go: an integer number of seconds.
        const n = ctx.int(v, rawKey);
        if (n === undefined) break;
        if (n < 0) ctx.error(v, `${rawKey} value can not be negative`);
        else ln.reconnect = n * 1000;
        break;
      }
      case 'tls': {
        const tc = parseTlsBlock(ctx, v);
        if (tc !== undefined) ln.tls = tc;
        break;
      }
      case 'loop_delay': {
        // tsnats extension: the delay after a loop (nats-server: a fixed 30s).
        const ms = ctx.duration(v, rawKey, false);
        if (ms !== undefined) ln.loopDelay = ms;
        break;
      }
      case 'leafnode_advertise':
      case 'advertise': {
        const a = ctx.str(v, rawKey);
        if (a !== undefined) ln.advertise = a;
        break;
      }
      case 'no_advertise': {
        const b = ctx.bool(v, rawKey);
        if (b !== undefined) ln.noAdvertise = b;
        break;
      }
      case 'min_version':
      case 'minimum_version': {
        const s = ctx.str(v, rawKey);
        if (s === undefined) break;
        const why = checkLeafMinVersion(s);
        if (why !== null) ctx.error(v, why);
        else ln.minVersion = s;
        break;
      }
      default:
        ctx.unknownField(rawKey, v);
    }
  }
  ctx.set('leafnodes', ln, node);
}

function setPort(ctx: LoadContext, node: ConfNode, ln: LeafNodeOptions, p: number): void {
  if (p < -1 || p > 65535) ctx.error(node, `invalid port ${p}`);
  else ln.port = p;
}

/** parseLeafAuthorization: user/username, pass/password, timeout (seconds), users, account. */
function loadLeafAuthorization(ctx: LoadContext, node: ConfNode): LeafAuthorization | undefined {
  const m = ctx.map(node, 'authorization');
  if (!m) return undefined;
  const a: LeafAuthorization = {};
  for (const [key, rawKey, v] of entries(m)) {
    switch (key) {
      case 'user':
      case 'username':
        a.user = ctx.str(v, rawKey);
        break;
      case 'pass':
      case 'password':
        a.password = ctx.str(v, rawKey);
        break;
      case 'timeout':
        a.timeout = ctx.seconds(v, 'leafnode authorization timeout');
        break;
      case 'users':
        a.users = loadLeafUsers(ctx, v);
        break;
      case 'account':
        a.account = ctx.str(v, rawKey);
        break;
      default:
        ctx.unknownField(rawKey, v);
    }
  }
  return a;
}

/** parseLeafUsers: user/username, pass/password, account; nothing else. */
function loadLeafUsers(ctx: LoadContext, node: ConfNode): LeafUser[] | undefined {
  if (node.kind !== 'array') return ctx.error(node, `Expected users field to be an array, got ${plainValue(node)}`);
  const out: LeafUser[] = [];
  for (const el of node.value) {
    if (el.kind !== 'map') {
      ctx.error(el, `Expected user entry to be a map/struct, got ${plainValue(el)}`);
      continue;
    }
    const u: LeafUser = { user: '' };
    for (const [key, rawKey, v] of entries(el)) {
      switch (key) {
        case 'user':
        case 'username':
          u.user = ctx.str(v, rawKey) ?? '';
          break;
        case 'pass':
        case 'password':
          u.password = ctx.str(v, rawKey);
          break;
        case 'account':
          u.account = ctx.str(v, rawKey);
          break;
        default:
          ctx.unknownField(rawKey, v);
      }
    }
    out.push(u);
  }
  return out;
}

/** parseRemoteLeafNodes. */
function loadRemotes(ctx: LoadContext, node: ConfNode): RemoteLeafOptions[] | undefined {
  if (node.kind !== 'array') return ctx.error(node, `Expected remotes field to be an array, got ${goArrayType(node)}`);
  const out: RemoteLeafOptions[] = [];
  for (const el of node.value) {
    if (el.kind !== 'map') {
      ctx.error(el, `Expected remote leafnode entry to be a map/struct, got ${plainValue(el)}`);
      continue;
    }
    const r: RemoteLeafOptions = { urls: [] };
    // A remote whose URL did not parse is reported once (not again as a remote without URLs).
    let bad = false;
    for (const [key, rawKey, v] of entries(el)) {
      switch (key) {
        case 'no_randomize':
        case 'dont_randomize': {
          const b = ctx.bool(v, rawKey);
          if (b !== undefined) r.noRandomize = b;
          break;
        }
        case 'url':
        case 'urls':
          if (!loadRemoteURLs(ctx, v, r)) bad = true;
          break;
        case 'account':
        case 'local': {
          const a = ctx.str(v, rawKey);
          if (a !== undefined) r.account = a;
          break;
        }
        case 'creds':
        case 'credentials': {
          const c = ctx.str(v, rawKey);
          if (c !== undefined) r.credentials = expandPath(c);
          break;
        }
        case 'tls': {
          const tc = parseTlsBlock(ctx, v);
          if (tc !== undefined) r.tls = tc;
          break;
        }
        case 'hub': {
          const b = ctx.bool(v, rawKey);
          if (b !== undefined) r.hub = b;
          break;
        }
        case 'deny_imports':
        case 'deny_import': {
          const s = permSubjects(ctx, v, rawKey);
          if (s !== undefined) r.denyImports = s;
          break;
        }
        case 'deny_exports':
        case 'deny_export': {
          const s = permSubjects(ctx, v, rawKey);
          if (s !== undefined) r.denyExports = s;
          break;
        }
        case 'ws_compress':
        case 'ws_compression':
        case 'websocket_compress':
        case 'websocket_compression':
        case 'ws_no_masking':
        case 'websocket_no_masking':
          ctx.error(v, `"${rawKey}" is not supported by tsnats yet: WebSocket leafnode connections are not implemented`, 'unsupported');
          break;
        case 'jetstream_cluster_migrate':
        case 'js_cluster_migrate':
          ctx.warn(v, `tsnats ignores ${JSON.stringify(rawKey)}: JetStream is not supported`, 'ignored');
          break;
        default:
          ctx.unknownField(rawKey, v);
      }
    }
    if (!bad) out.push(r);
  }
  return out;
}

/** url: "…" or urls: ["…", …] (parseURLs: duplicates warned and skipped). False after an error. */
function loadRemoteURLs(ctx: LoadContext, node: ConfNode, r: RemoteLeafOptions): boolean {
  if (node.kind === 'string') {
    const u = parseLeafURL(node.value);
    if (typeof u === 'string') return ctx.error(node, u) ?? false;
    (r.urls ??= []).push(u.text);
    return true;
  }
  if (node.kind !== 'array') return ctx.error(node, `Expected remote leafnode url to be an array or string, got ${plainValue(node)}`) ?? false;
  let ok = true;
  const seen = new Set<string>();
  const urls: string[] = [];
  for (const el of node.value) {
    if (el.kind !== 'string') {
      ctx.error(el, `error parsing leafnode url: unsupported type in array ${goType(el)}`);
      ok = false;
      continue;
    }
    if (seen.has(el.value)) {
      ctx.warn(el, `invalid use of field ${JSON.stringify(el.value)}: Duplicate leafnode entry detected`, 'deprecated');
      continue;
    }
    seen.add(el.value);
    const u = parseLeafURL(el.value);
    if (typeof u === 'string') {
      ctx.error(el, u);
      ok = false;
      continue;
    }
    urls.push(u.text);
  }
  r.urls = urls;
  return ok;
}

/** parsePermSubjects: a subject or an array of subjects. */
function permSubjects(ctx: LoadContext, node: ConfNode, field: string): string[] | undefined {
  if (node.kind === 'string') return [node.value];
  if (node.kind === 'array') {
    const out: string[] = [];
    for (const el of node.value) {
      if (el.kind !== 'string') {
        ctx.error(el, `Subject in permissions array cannot be cast to string`);
        continue;
      }
      out.push(el.value);
    }
    return out;
  }
  return ctx.error(node, `Expected subject permissions to be a subject, or array of subjects, got ${plainValue(node)}`) ?? void field;
}

/** expandPath: a leading `~` is the home directory. */
function expandPath(p: string): string {
  if (p === '~' || p.startsWith('~/')) return (process.env.HOME ?? '') + p.slice(1);
  return p;
}

function goArrayType(node: ConfNode): string {
  return goType(node);
}
