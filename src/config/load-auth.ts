// authorization { … }, user lists and permission blocks (opts.go parseAuthorization, parseUsers,
// parseUserPermissions, parseVariablePermissions, parseAllowResponses), same keys, aliases and messages.
import { nkeysLib } from '../libs.js';
import type { Permissions, ResponsePermission, SubjectPermission, UserConfig } from '../options.js';
import type { ConfNode, MapNode } from './parse.js';
import { entries, goType, type LoadContext } from './load-values.js';
import { goQuote } from '../errors.js';
import { permSubjectError } from '../subjects/subject.js';
import { parseGoDuration } from './duration.js';
import { goToUpper } from '../protocol/gostrings.js';

/** allow_responses: true → one response within 2 minutes (DEFAULT_ALLOW_RESPONSE_MAX_MSGS / _EXPIRATION). */
export const DEFAULT_ALLOW_RESPONSE_MAX_MSGS = 1;
export const DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS = 2 * 60 * 1000;

/** Connection types a user may be limited to in 2.9.10 (IN_PROCESS came in 2.10). */
const CONNECTION_TYPES = new Set(['STANDARD', 'WEBSOCKET', 'LEAFNODE', 'MQTT']);

/** A valid public nkey with the given prefix (U user, A account, O operator). */
export function isPublicKey(key: string, prefix: 'U' | 'A' | 'O'): boolean {
  if (!key.startsWith(prefix)) return false;
  try {
    nkeysLib().fromPublic(key);
    return true;
  } catch {
    return false;
  }
}

export interface AuthBlock {
  user?: string;
  pass?: string;
  token?: string;
  timeout?: number;
  users?: UserConfig[];
  defaultPermissions?: Permissions;
}

/** The keys of an `authorization { … }` block (parseAuthorization), top-level or cluster's. */
export function parseAuthBlock(ctx: LoadContext, node: ConfNode): AuthBlock | undefined {
  const m = ctx.map(node, 'authorization');
  if (!m) return undefined;
  const auth: AuthBlock = {};
  for (const [key, rawKey, v] of entries(m)) {
    switch (key) {
      case 'user':
      case 'username':
        auth.user = ctx.str(v, rawKey);
        break;
      case 'pass':
      case 'password':
        auth.pass = ctx.str(v, rawKey);
        break;
      case 'token':
        auth.token = ctx.str(v, rawKey);
        break;
      case 'timeout':
        auth.timeout = ctx.seconds(v, 'authorization timeout');
        break;
      case 'users':
        auth.users = loadUsers(ctx, v);
        break;
      case 'default_permission':
      case 'default_permissions':
      case 'permissions':
        auth.defaultPermissions = loadPermissions(ctx, v);
        break;
      default:
        ctx.unknownField(rawKey, v);
    }
  }
  return auth;
}

/** The top-level `authorization` block. */
export function loadAuthorization(ctx: LoadContext, node: ConfNode): void {
  const auth = parseAuthBlock(ctx, node);
  if (!auth) return;
  if ((auth.user || auth.pass) && auth.token) return void ctx.error(node, 'Cannot have a user/pass and token');
  if (auth.users && auth.user) return void ctx.error(node, 'Can not have a single user/pass and a users array');
  if (auth.users && auth.token) return void ctx.error(node, 'Can not have a token and a users array');
  ctx.set('username', auth.user || undefined, node);
  ctx.set('password', auth.pass || undefined, node);
  ctx.set('authorization', auth.token || undefined, node);
  // 0 means the default (2s, or the TLS timeout + 1s with TLS), as the reference.
  if (auth.timeout) ctx.set('authTimeout', auth.timeout, node);
  if (auth.defaultPermissions) {
    ctx.set('defaultPermissions', auth.defaultPermissions, node);
    applyDefaultPermissions(auth.users, auth.defaultPermissions);
  }
  if (auth.users) ctx.set('users', [...(ctx.options.users ?? []), ...auth.users], node);
}

/** Users without their own permissions get the block's default permissions (opts.go applyDefaultPermissions). */
export function applyDefaultPermissions(users: UserConfig[] | undefined, perms: Permissions | undefined): void {
  if (!users || !perms) return;
  for (const u of users) if (!u.permissions) u.permissions = perms;
}

/** A `users: [ {user, password, nkey, permissions, allowed_connection_types}, … ]` list. */
export function loadUsers(ctx: LoadContext, node: ConfNode): UserConfig[] | undefined {
  if (node.kind !== 'array') return ctx.error(node, `Expected users field to be an array, got ${plainValue(node)}`);
  const users: UserConfig[] = [];
  for (const el of node.value) {
    if (el.kind !== 'map') {
      ctx.error(el, `Expected user entry to be a map/struct, got ${plainValue(el)}`);
      continue;
    }
    const u: UserConfig = {};
    let perms: Permissions | undefined;
    for (const [key, rawKey, v] of entries(el)) {
      switch (key) {
        case 'nkey':
          u.nkey = ctx.str(v, rawKey);
          break;
        case 'user':
        case 'username':
          u.user = ctx.str(v, rawKey);
          break;
        case 'pass':
        case 'password':
          u.password = ctx.str(v, rawKey);
          break;
        case 'permission':
        case 'permissions':
        case 'authorization':
          perms = loadPermissions(ctx, v);
          break;
        case 'allowed_connection_types':
        case 'connection_types':
        case 'clients':
          u.allowedConnectionTypes = loadConnectionTypes(ctx, v);
          break;
        default:
          ctx.unknownField(rawKey, v);
      }
    }
    if (perms) u.permissions = perms;
    // The reference points these at the last key it read in the entry.
    const at = lastEntry(el);
    if (!u.nkey && !u.user) {
      ctx.error(at, 'User entry requires a user');
      return undefined;
    }
    if (u.nkey) {
      if (!isPublicKey(u.nkey, 'U')) {
        ctx.error(at, 'Not a valid public nkey for a user');
        return undefined;
      }
      if (u.user || u.password) {
        ctx.error(at, 'Nkey users do not take usernames or passwords');
        return undefined;
      }
    }
    users.push(u);
  }
  return users;
}

function loadConnectionTypes(ctx: LoadContext, node: ConfNode): string[] | undefined {
  const list = ctx.strings(node, 'allowed connection types');
  if (!list) return undefined;
  const upper = list.map((t) => goToUpper(t)); // strings.ToUpper: 'ﬆ' stays 'ﬆ'
  const bad = upper.filter((t) => !CONNECTION_TYPES.has(t));
  if (bad.length) return ctx.error(node, `invalid connection types [${bad.map(goQuote).join(' ')}]`);
  return upper;
}

/** A permissions block: publish/pub/import, subscribe/sub/export, allow_responses. */
export function loadPermissions(ctx: LoadContext, node: ConfNode): Permissions | undefined {
  if (node.kind !== 'map') return ctx.error(node, `Expected permissions to be a map/struct, got ${plainValue(node)}`);
  const p: Permissions = {};
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      // For routes, import is publish and export is subscribe.
      case 'pub':
      case 'publish':
      case 'import': {
        const sp = loadSubjectPermission(ctx, v);
        if (sp !== null) p.publish = sp;
        break;
      }
      case 'sub':
      case 'subscribe':
      case 'export': {
        const sp = loadSubjectPermission(ctx, v);
        if (sp !== null) p.subscribe = sp;
        break;
      }
      case 'publish_allow_responses':
      case 'allow_responses': {
        const rp = v.kind === 'bool' ? (v.value ? defaultResponsePermission() : undefined) : loadAllowResponses(ctx, v);
        if (rp) p.allowResponses = rp;
        break;
      }
      default:
        if (!v.usedVariable) ctx.error(v, `Unknown field ${goQuote(rawKey)} parsing permissions`);
    }
  }
  if (p.allowResponses) {
    // Responding turns off the blanket publish allow (opts.go parseUserPermissions).
    p.publish ??= {};
    p.publish.allow ??= [];
  }
  return p;
}

function defaultResponsePermission(): ResponsePermission {
  return { max: DEFAULT_ALLOW_RESPONSE_MAX_MSGS, expires: DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS };
}

/** `subject`, `[subjects]` (allow list) or `{allow, deny}`; null when the block is empty or wrong. */
function loadSubjectPermission(ctx: LoadContext, node: ConfNode): SubjectPermission | null {
  if (node.kind === 'map') {
    if (node.value.size === 0) return null;
    const sp: SubjectPermission = {};
    for (const [key, rawKey, v] of entries(node)) {
      if (key === 'allow' || key === 'deny') {
        const subjects = loadPermSubjects(ctx, v);
        if (subjects) sp[key] = subjects;
      } else if (!v.usedVariable) {
        ctx.error(v, `Unknown field name ${goQuote(rawKey)} parsing subject permissions, only 'allow' or 'deny' are permitted`);
      }
    }
    return sp;
  }
  const subjects = loadPermSubjects(ctx, node);
  return subjects ? { allow: subjects } : null;
}

function loadPermSubjects(ctx: LoadContext, node: ConfNode): string[] | undefined {
  let subjects: string[];
  if (node.kind === 'string') subjects = [node.value];
  else if (node.kind === 'array') {
    subjects = [];
    for (const el of node.value) {
      if (el.kind !== 'string') return ctx.error(el, 'Subject in permissions array cannot be cast to string');
      subjects.push(el.value);
    }
  } else {
    return ctx.error(node, `Expected subject permissions to be a subject, or array of subjects, got ${goType(node)}`);
  }
  for (const s of subjects) {
    const err = permSubjectError(s);
    if (err) return ctx.error(node, err);
  }
  return subjects;
}

function loadAllowResponses(ctx: LoadContext, node: ConfNode): ResponsePermission | undefined {
  if (node.kind !== 'map') return ctx.error(node, 'error parsing response permissions, expected a boolean or a map');
  const rp = defaultResponsePermission();
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      case 'max':
      case 'max_msgs':
      case 'max_messages':
      case 'max_responses': {
        const n = ctx.int(v, rawKey);
        // Negative means unlimited, 0 the default (opts.go parseAllowResponses).
        if (n) rp.max = n;
        break;
      }
      case 'expires':
      case 'expiration':
      case 'ttl': {
        if (v.kind !== 'string') return ctx.error(v, 'error parsing expires, not a duration string');
        let ms: number;
        try {
          ms = parseGoDuration(v.value);
        } catch (e) {
          return ctx.error(v, `error parsing expires: ${(e as Error).message}`);
        }
        if (ms !== 0) rp.expires = ms;
        break;
      }
      default:
        if (!v.usedVariable) ctx.error(v, `Unknown field ${goQuote(rawKey)} parsing permissions`);
    }
  }
  return rp;
}

/** The last entry of a map (or the map itself when empty): where the reference reports entry-level problems. */
export function lastEntry(m: MapNode): ConfNode {
  let last: ConfNode = m;
  for (const v of m.value.values()) last = v;
  return last;
}

/** A value as Go's %v prints it in the reference's messages (roughly). */
export function plainValue(node: ConfNode): string {
  switch (node.kind) {
    case 'string':
      return node.value;
    case 'integer':
    case 'float':
      return String(node.value);
    case 'bool':
      return String(node.value);
    case 'datetime':
      return node.raw;
    case 'array':
      return `[${node.value.map(plainValue).join(' ')}]`;
    case 'map':
      return `map[${[...node.value].map(([k, v]) => `${k}:${plainValue(v)}`).join(' ')}]`;
  }
}
