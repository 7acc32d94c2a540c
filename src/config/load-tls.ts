// The top-level `tls { … }` block (opts.go parseTLS with isClientCtx, then GenTLSConfig), with the
// reference's messages: field errors at the field (or the list entry), file and key errors at the
// `tls` key, as `nats-server -t` prints them. The files are read here, as the reference reads them
// when it parses the config, so `-t` catches a missing file or a key that does not match.
// tsnats extensions over 2.9.10 (which refuses them as unknown fields): `handshake_first` (2.10,
// aliases `first`, `immediate`) and `min_version` (2.11).
import type { ConfNode } from './parse.js';
import { entries, goType, type LoadContext } from './load-values.js';
import { parseGoDuration } from './duration.js';
import { buildSecureContextOptions, HANDSHAKE_FIRST_AUTO_MS, parsePinnedCert, TLS_PARSE_ERRORS, type TlsConfig } from '../tls/options.js';
import { cipherSuite, curve } from '../tls/names.js';

/** `tls: <not a map>`: the reference's panic text (a type assertion in parseTLS). */
function notAMap(node: ConfNode): string {
  return `interface conversion: interface {} is ${goType(node)}, not map[string]interface {}`;
}

/** `tls { … }` → ServerOptions.tls, or errors on ctx. */
export function loadTls(ctx: LoadContext, node: ConfNode): void {
  const tc = parseTlsBlock(ctx, node);
  if (tc !== undefined) ctx.set('tls', tc, node);
}

/**
 * A `tls { … }` block (the client port's, or another listener's such as `websocket.tls`), files
 * checked. `clientCtx: false` for blocks of servers that also dial (cluster): there
 * `verify_cert_and_check_known_urls` is allowed and the 2.10 extensions are not.
 */
export function parseTlsBlock(ctx: LoadContext, node: ConfNode, clientCtx = true): TlsConfig | undefined {
  if (node.kind !== 'map') return void ctx.error(node, notAMap(node));
  const tc: TlsConfig = { verify: false, verifyAndMap: false, insecure: false, timeoutMs: 0 };
  const before = ctx.errors.length;
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      case 'cert_file':
      case 'key_file':
      case 'ca_file': {
        if (v.kind !== 'string') {
          ctx.error(v, TLS_PARSE_ERRORS.expectedFilename(key));
          break;
        }
        if (key === 'cert_file') tc.certFile = v.value;
        else if (key === 'key_file') tc.keyFile = v.value;
        else tc.caFile = v.value;
        break;
      }
      case 'insecure':
      case 'verify':
      case 'verify_and_map':
      case 'verify_cert_and_check_known_urls': {
        if (v.kind !== 'bool') {
          ctx.error(v, TLS_PARSE_ERRORS.expectedBoolean(key));
          break;
        }
        if (key === 'insecure') tc.insecure = v.value;
        else if (key === 'verify') tc.verify = v.value || tc.verify;
        else if (key === 'verify_and_map') {
          if (v.value) tc.verify = true;
          tc.verifyAndMap = v.value;
        } else if (v.value && clientCtx) ctx.error(v, 'verify_cert_and_check_known_urls not supported in this context');
        else if (v.value) {
          tc.verify = true;
          tc.checkKnownUrls = true;
        }
        break;
      }
      case 'cipher_suites':
      case 'curve_preferences': {
        const list = names(ctx, v, key);
        if (list === undefined) break;
        if (key === 'cipher_suites') tc.cipherSuites = list;
        else tc.curvePreferences = list;
        break;
      }
      case 'timeout': {
        if (v.kind === 'integer' || v.kind === 'float') tc.timeoutMs = v.value * 1000;
        else if (v.kind === 'string') {
          try {
            tc.timeoutMs = parseGoDuration(v.value);
          } catch (e) {
            ctx.error(v, TLS_PARSE_ERRORS.timeout((e as Error).message));
          }
        } else ctx.error(v, TLS_PARSE_ERRORS.timeoutType());
        if (tc.timeoutMs !== undefined && tc.timeoutMs < 0) tc.timeoutMs = 0; // the reference uses the default then
        break;
      }
      case 'connection_rate_limit':
        if (v.kind !== 'integer') ctx.error(v, TLS_PARSE_ERRORS.rateLimitType());
        else tc.rateLimit = v.value;
        break;
      case 'pinned_certs': {
        if (v.kind !== 'array') {
          ctx.error(v, TLS_PARSE_ERRORS.pinnedNotList());
          break;
        }
        const set: string[] = [];
        for (const el of v.value) {
          if (el.kind !== 'string') {
            ctx.error(el, `interface conversion: interface {} is ${goType(el)}, not string`);
            continue;
          }
          try {
            set.push(parsePinnedCert(el.value));
          } catch (e) {
            ctx.error(el, (e as Error).message);
          }
        }
        if (set.length > 0) tc.pinnedCerts = [...new Set(set)].sort();
        break;
      }
      // tsnats extensions (nats-server 2.10 / 2.11).
      case 'handshake_first':
      case 'first':
      case 'immediate': {
        if (!clientCtx) {
          ctx.error(v, TLS_PARSE_ERRORS.unknownField(rawKey));
          break;
        }
        const hf = handshakeFirst(ctx, v, rawKey);
        if (hf !== undefined) tc.handshakeFirst = hf;
        break;
      }
      case 'min_version': {
        if (v.kind !== 'string') {
          ctx.error(v, `error parsing tls config: 'min_version' wrong type: ${describeGo(v)}`);
          break;
        }
        const mv = minVersion(v.value);
        if (typeof mv === 'string' && mv.startsWith('error')) ctx.error(v, mv);
        else tc.minVersion = mv as '1.2' | '1.3';
        break;
      }
      default:
        ctx.error(v, TLS_PARSE_ERRORS.unknownField(rawKey));
    }
  }
  if (ctx.errors.length > before) return undefined;
  // GenTLSConfig: the files, the key pair, the CA pool; reported at the `tls` key.
  try {
    buildSecureContextOptions(tc);
  } catch (e) {
    return void ctx.error(node, (e as Error).message);
  }
  return tc;
}

/** cipher_suites / curve_preferences: a non-empty list of the reference's names. */
function names(ctx: LoadContext, v: ConfNode, key: 'cipher_suites' | 'curve_preferences'): string[] | undefined {
  if (v.kind !== 'array') return ctx.error(v, `interface conversion: interface {} is ${goType(v)}, not []interface {}`);
  if (v.value.length === 0) return ctx.error(v, TLS_PARSE_ERRORS.emptyList(key));
  const out: string[] = [];
  let ok = true;
  for (const el of v.value) {
    if (el.kind !== 'string') {
      ctx.error(el, `interface conversion: interface {} is ${goType(el)}, not string`);
      ok = false;
      continue;
    }
    try {
      if (key === 'cipher_suites') cipherSuite(el.value);
      else curve(el.value);
      out.push(el.value);
    } catch (e) {
      // An unknown name is the reference's error; a name this OpenSSL cannot do is refused too
      // (tsnats never runs with a weaker or different cipher than configured).
      ctx.error(el, (e as Error).message);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

/** handshake_first: true/false, "on"/"off"/"true"/"false", "auto" (50 ms fallback), or a fallback duration. */
function handshakeFirst(ctx: LoadContext, v: ConfNode, key: string): TlsConfig['handshakeFirst'] | undefined {
  if (v.kind === 'bool') return v.value;
  if (v.kind !== 'string') return ctx.error(v, `field ${JSON.stringify(key)} should be a boolean or a string, got ${goType(v)}`);
  switch (v.value.toLowerCase()) {
    case 'true':
    case 'on':
      return true;
    case 'false':
    case 'off':
      return false;
    case 'auto':
    case 'auto_fallback':
      return { fallbackMs: HANDSHAKE_FIRST_AUTO_MS };
  }
  try {
    return { fallbackMs: parseGoDuration(v.value) };
  } catch {
    return ctx.error(v, `field ${JSON.stringify(key)}'s value ${JSON.stringify(v.value)} is invalid`);
  }
}

/** min_version (2.11 parseTLSVersion): "1.2" or "1.3"; older versions and other strings are errors. */
function minVersion(s: string): '1.2' | '1.3' | string {
  switch (s) {
    case '1.2':
    case '1.3':
      return s;
    case '1.0':
    case '1.1':
      return `error parsing tls config: unsupported TLS version: TLS ${s}`;
  }
  return `error parsing tls config: unknown version: ${s}`;
}

/** Go's %v of a value in messages. */
function describeGo(v: ConfNode): string {
  switch (v.kind) {
    case 'map':
      return 'map[...]';
    case 'array':
      return '[...]';
    default:
      return String((v as { value: unknown }).value);
  }
}
