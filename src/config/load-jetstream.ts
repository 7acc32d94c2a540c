// The `jetstream` block (opts.go parseJetStream, parseJetStreamLimits), the top-level `store_dir`,
// and an account's `jetstream` (parseJetStreamForAccount). Values and messages as the reference;
// `memory_only` and `sync_always` are tsnats extensions.
import { goQuote } from '../errors.js';
import type { JetStreamAccountLimits, JetStreamOptions } from '../options.js';
import { parseGoDuration } from './duration.js';
import { entries, goType, type LoadContext } from './load-values.js';
import type { ConfNode } from './parse.js';

/** An integer or a "<n>K|M|G|T" string (getStorageSize). */
function storageSize(ctx: LoadContext, node: ConfNode, what: string): number | undefined {
  if (node.kind === 'integer') return node.value;
  if (node.kind !== 'string') return ctx.error(node, `${what} must be int64 or string`);
  const s = node.value;
  if (s === '') return 0;
  const mult = ({ K: 10, M: 20, G: 30, T: 40 } as Record<string, number>)[s[s.length - 1]!];
  const num = s.slice(0, -1);
  if (!/^[+-]?\d+$/.test(num)) return ctx.error(node, `${what} strconv.ParseInt: parsing ${goQuote(num)}: invalid syntax`);
  if (mult === undefined) return ctx.error(node, `${what} sizes defined as strings must end in K, M, G, T`);
  return Number(num) * 2 ** mult;
}

function enabledString(ctx: LoadContext, node: ConfNode & { kind: 'string' }): boolean | undefined {
  switch (node.value.toLowerCase()) {
    case 'enabled':
    case 'enable':
      return true;
    case 'disabled':
    case 'disable':
      return false;
  }
  return ctx.error(node, `Expected 'enabled' or 'disabled' for string value, got '${node.value}'`);
}

/** Top-level `jetstream`: a bool, "enabled"/"disabled", or a map. */
export function loadJetStream(ctx: LoadContext, node: ConfNode): void {
  if (node.kind === 'bool') return ctx.set('jetstream', node.value, node);
  if (node.kind === 'string') {
    const v = enabledString(ctx, node);
    if (v !== undefined) ctx.set('jetstream', v, node);
    return;
  }
  if (node.kind !== 'map') return void ctx.error(node, `Expected map, bool or string to define JetStream, got ${goType(node)}`);
  const js: JetStreamOptions = { enabled: true };
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      case 'store':
      case 'store_dir':
      case 'storedir': {
        if (ctx.options.storeDir !== undefined) return void ctx.error(v, "Duplicate 'store_dir' configuration");
        const s = ctx.str(v, rawKey);
        if (s !== undefined) js.storeDir = s;
        break;
      }
      case 'max_memory_store':
      case 'max_mem_store':
      case 'max_mem': {
        const n = storageSize(ctx, v, 'max_mem_store');
        if (n !== undefined) js.maxMemoryStore = n;
        break;
      }
      case 'max_file_store':
      case 'max_file': {
        const n = storageSize(ctx, v, 'max_file_store');
        if (n !== undefined) js.maxFileStore = n;
        break;
      }
      case 'domain': {
        const s = ctx.str(v, rawKey);
        if (s !== undefined) js.domain = s;
        break;
      }
      case 'enable':
      case 'enabled': {
        const b = ctx.bool(v, rawKey);
        if (b !== undefined) js.enabled = b;
        break;
      }
      case 'limits':
        loadLimits(ctx, v, js);
        break;
      case 'key':
      case 'ek':
      case 'encryption_key':
      case 'cipher':
        ctx.error(v, `${goQuote(rawKey)} is not supported by tsnats yet: encryption at rest is not implemented`, 'unsupported');
        break;
      case 'extension_hint':
      case 'unique_tag':
      case 'max_outstanding_catchup':
        ctx.warn(v, `tsnats ignores ${goQuote(rawKey)} in jetstream: it only applies to clustered JetStream`, 'ignored');
        break;
      // tsnats extensions.
      case 'memory_only': {
        const b = ctx.bool(v, rawKey);
        if (b !== undefined) js.memoryOnly = b;
        break;
      }
      case 'sync_always': {
        const b = ctx.bool(v, rawKey);
        if (b !== undefined) js.syncAlways = b;
        break;
      }
      default:
        ctx.unknownField(rawKey, v);
    }
  }
  ctx.set('jetstream', js, node);
}

function loadLimits(ctx: LoadContext, node: ConfNode, js: JetStreamOptions): void {
  if (node.kind !== 'map') return void ctx.error(node, `Expected a map to define JetStreamLimits, got ${goType(node)}`);
  const lim: NonNullable<JetStreamOptions['limits']> = {};
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      case 'max_ack_pending':
        lim.maxAckPending = ctx.int(v, rawKey);
        break;
      case 'max_ha_assets':
        lim.maxHaAssets = ctx.int(v, rawKey);
        break;
      case 'max_request_batch':
        lim.maxRequestBatch = ctx.int(v, rawKey);
        break;
      case 'duplicate_window': {
        // time.ParseDuration of a string.
        if (v.kind !== 'string') {
          ctx.typeError(v, rawKey, 'a duration string (e.g. "30s")');
          break;
        }
        try {
          lim.duplicateWindow = parseGoDuration(v.value);
        } catch (e) {
          ctx.error(v, (e as Error).message);
        }
        break;
      }
      default:
        ctx.unknownField(rawKey, v);
    }
  }
  for (const k of Object.keys(lim) as (keyof typeof lim)[]) if (lim[k] === undefined) delete lim[k];
  js.limits = lim;
}

/** Top-level `store_dir` (Duplicate when the jetstream block set it first). */
export function loadStoreDir(ctx: LoadContext, node: ConfNode, key: string): void {
  const js = ctx.options.jetstream;
  if (typeof js === 'object' && js.storeDir !== undefined) return void ctx.error(node, "Duplicate 'store_dir' configuration");
  const s = ctx.str(node, key);
  if (s !== undefined) ctx.set('storeDir', s, node);
}

/** accounts.X.jetstream: a bool, "enabled"/"disabled", or a map of limits. */
export function loadAccountJetStream(ctx: LoadContext, node: ConfNode): boolean | Partial<JetStreamAccountLimits> | undefined {
  if (node.kind === 'bool') return node.value;
  if (node.kind === 'string') return enabledString(ctx, node);
  if (node.kind !== 'map') return ctx.error(node, `Expected map, bool or string to define JetStream, got ${goType(node)}`);
  const l: Partial<JetStreamAccountLimits> = {};
  const size = (v: ConfNode, key: string): number | undefined => {
    if (v.kind === 'integer') return v.value;
    return ctx.error(v, `Expected a parseable size for ${goQuote(key)}, got ${describeValue(v)}`);
  };
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      case 'max_memory':
      case 'max_mem':
      case 'mem':
      case 'memory':
        l.maxMemory = size(v, rawKey);
        break;
      case 'max_store':
      case 'max_file':
      case 'max_disk':
      case 'store':
      case 'disk':
        l.maxStore = size(v, rawKey);
        break;
      case 'max_streams':
      case 'streams':
        l.maxStreams = size(v, rawKey);
        break;
      case 'max_consumers':
      case 'consumers':
        l.maxConsumers = size(v, rawKey);
        break;
      case 'max_bytes_required':
      case 'max_stream_bytes':
      case 'max_bytes':
        if (v.kind === 'bool') l.maxBytesRequired = v.value;
        else ctx.error(v, `Expected a parseable bool for ${goQuote(rawKey)}, got ${describeValue(v)}`);
        break;
      case 'mem_max_stream_bytes':
      case 'memory_max_stream_bytes':
        l.memoryMaxStreamBytes = size(v, rawKey);
        break;
      case 'disk_max_stream_bytes':
      case 'store_max_stream_bytes':
        l.storeMaxStreamBytes = size(v, rawKey);
        break;
      case 'max_ack_pending':
        l.maxAckPending = size(v, rawKey);
        break;
      default:
        ctx.unknownField(rawKey, v);
    }
  }
  for (const k of Object.keys(l) as (keyof JetStreamAccountLimits)[]) if (l[k] === undefined) delete l[k];
  return l;
}

function describeValue(v: ConfNode): string {
  return 'value' in v && (typeof v.value === 'string' || typeof v.value === 'number' || typeof v.value === 'boolean') ? String(v.value) : goType(v);
}
