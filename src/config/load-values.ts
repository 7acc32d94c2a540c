// The loader's working state (options being built, problems found) and typed readers for nodes.
// Every problem is reported at the node's position (the key, for map entries) and loading goes on,
// so one run reports every problem in the file, as nats-server does.
import { goQuote } from '../errors.js';
import type { ServerOptions } from '../options.js';
import { issue, type ConfigIssue, type Pos } from './errors.js';
import type { ConfNode, MapNode } from './parse.js';
import { parseGoDuration } from './duration.js';

export class LoadContext {
  readonly options: Partial<ServerOptions> = {};
  readonly warnings: ConfigIssue[] = [];
  readonly errors: ConfigIssue[] = [];
  /** Where each option was set (the key's position). */
  readonly positions: Partial<Record<keyof ServerOptions, Pos>> = {};

  error(at: ConfNode | Pos, message: string, code: ConfigIssue['code'] = 'invalid'): undefined {
    this.errors.push(issue('kind' in at ? at.pos : at, message, code));
    return undefined;
  }
  warn(at: ConfNode | Pos, message: string, code: ConfigIssue['code']): void {
    this.warnings.push(issue('kind' in at ? at.pos : at, message, code));
  }

  set<K extends keyof ServerOptions>(field: K, value: ServerOptions[K] | undefined, node: ConfNode): void {
    if (value === undefined) return;
    this.options[field] = value;
    this.positions[field] = node.pos;
  }
  /** Forget a field (a 0 meaning "use the default", as the reference). */
  unset(field: keyof ServerOptions, node: ConfNode): void {
    delete this.options[field];
    this.positions[field] = node.pos;
  }

  /** `unknown field "x"`, unless the entry is a variable that something referenced (as the reference). */
  unknownField(key: string, node: ConfNode): void {
    if (!node.usedVariable) this.error(node, `unknown field ${goQuote(key)}`);
  }

  // Typed readers: the value, or undefined after reporting a type error.

  str(node: ConfNode, field: string): string | undefined {
    if (node.kind === 'string') return node.value;
    return this.typeError(node, field, 'a string');
  }
  int(node: ConfNode, field: string): number | undefined {
    if (node.kind === 'integer') return node.value;
    return this.typeError(node, field, 'an integer');
  }
  /** An integer that may not be negative. */
  nonNegInt(node: ConfNode, field: string): number | undefined {
    const v = this.int(node, field);
    if (v !== undefined && v < 0) return this.error(node, `${field} value can not be negative`);
    return v;
  }
  bool(node: ConfNode, field: string): boolean | undefined {
    if (node.kind === 'bool') return node.value;
    return this.typeError(node, field, 'a boolean');
  }
  map(node: ConfNode, field: string): MapNode | undefined {
    if (node.kind === 'map') return node;
    return this.typeError(node, field, 'a map');
  }

  /**
   * A duration in ms. Strings use Go's syntax ("30s", "1h30m", "500ms"). A bare integer is
   * seconds: with the reference's warning for its own options (`legacy`), silently for tsnats
   * extensions. 0 stays 0; negative durations are refused.
   */
  duration(node: ConfNode, field: string, legacy: boolean, negative?: string): number | undefined {
    let ms: number;
    if (node.kind === 'string') {
      try {
        ms = parseGoDuration(node.value);
      } catch (e) {
        return this.error(node, `error parsing ${field}: ${(e as Error).message}`);
      }
    } else if (node.kind === 'integer') {
      // opts.go parseDuration: "Backward compatible with old type, assume this is the number of seconds."
      if (legacy) this.warn(node, `invalid use of field ${goQuote(field)}: ${field} should be converted to a duration`, 'deprecated');
      ms = node.value * 1000;
    } else {
      return this.typeError(node, field, 'a duration (e.g. "30s") or a number of seconds');
    }
    if (ms < 0) return this.error(node, negative ?? `invalid ${field} of ${describeDuration(node)}, needs to be positive`);
    return ms;
  }

  /** Seconds as an integer or float (authorization.timeout): ms. Go duration strings also accepted. */
  seconds(node: ConfNode, field: string): number | undefined {
    let ms: number;
    if (node.kind === 'integer' || node.kind === 'float') ms = node.value * 1000;
    else if (node.kind === 'string') {
      try {
        ms = parseGoDuration(node.value);
      } catch (e) {
        return this.error(node, `error parsing ${field}: ${(e as Error).message}`);
      }
    } else return this.typeError(node, field, 'a number of seconds');
    if (ms < 0) return this.error(node, `${field} value can not be negative`);
    return ms;
  }

  /** A string or an array of strings (`publish: "a"` or `publish: ["a", "b"]`). */
  strings(node: ConfNode, field: string): string[] | undefined {
    if (node.kind === 'string') return [node.value];
    if (node.kind === 'array') {
      const out: string[] = [];
      for (const el of node.value) {
        if (el.kind === 'string') out.push(el.value);
        else this.error(el, `error parsing ${field}: unsupported type in array ${goType(el)}`);
      }
      return out;
    }
    return this.error(node, `error parsing ${field}: unsupported type ${goType(node)}`);
  }

  typeError(node: ConfNode, field: string, expected: string): undefined {
    return this.error(node, `${goQuote(field)} must be ${expected}, got ${describe(node)}`);
  }
}

function describeDuration(node: ConfNode): string {
  return node.kind === 'string' ? node.value : `${(node as { value: number }).value}s`;
}

/** Go's %T of a config value, as the reference's messages print it. */
export function goType(node: ConfNode): string {
  switch (node.kind) {
    case 'string':
      return 'string';
    case 'integer':
      return 'int64';
    case 'float':
      return 'float64';
    case 'bool':
      return 'bool';
    case 'datetime':
      return 'time.Time';
    case 'map':
      return 'map[string]interface {}';
    case 'array':
      return '[]interface {}';
  }
}

/** A short description of a value for type errors: `string "abc"`, `integer 5`, `a map`. */
export function describe(node: ConfNode): string {
  switch (node.kind) {
    case 'string':
      return `string ${goQuote(node.value)}`;
    case 'integer':
      return `integer ${node.raw}`;
    case 'float':
      return `number ${node.raw}`;
    case 'bool':
      return `boolean ${node.raw}`;
    case 'datetime':
      return `datetime ${node.raw}`;
    case 'map':
      return 'a map';
    case 'array':
      return 'an array';
  }
}

/** Entries of a map node with lower-cased keys (the reference matches keys case-insensitively). */
export function entries(node: MapNode): [string, string, ConfNode][] {
  return [...node.value].map(([k, v]) => [k.toLowerCase(), k, v]);
}
