// Arguments of the operator subcommands (`tsnats doctor|conns|kick …`): `--flag value`,
// `--flag=value`, booleans without a value; positional arguments in order. Pure.

export interface ToolArgs {
  positional: string[];
  flags: Map<string, string>;
  bools: Set<string>;
}

/** Flags that take a value, with their aliases. */
const VALUE_FLAGS: Record<string, string> = {
  user: 'user', password: 'password', pass: 'password', creds: 'creds',
  interval: 'interval', sort: 'sort', limit: 'limit', since: 'since', idle: 'idle', rtt: 'rtt', 'route-rtt': 'route-rtt',
  pending: 'pending', skip: 'skip', server: 'server', timeout: 'timeout',
  'js-idle': 'js-idle', 'js-pending': 'js-pending',
  tlsca: 'tlsca', tlscacert: 'tlsca', tlscert: 'tlscert', tlskey: 'tlskey',
};
const BOOL_FLAGS: Record<string, string> = { json: 'json', h: 'help', help: 'help' };

export function parseToolArgs(argv: readonly string[]): ToolArgs | { error: string } {
  const out: ToolArgs = { positional: [], flags: new Map(), bools: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      out.positional.push(a);
      continue;
    }
    let name = a.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (Object.hasOwn(BOOL_FLAGS, name)) {
      if (value !== undefined && !['true', '1'].includes(value)) {
        if (['false', '0'].includes(value)) continue;
        return { error: `invalid value ${JSON.stringify(value)} for --${name}` };
      }
      out.bools.add(BOOL_FLAGS[name]!);
      continue;
    }
    if (!Object.hasOwn(VALUE_FLAGS, name)) return { error: `unknown flag: ${a}` };
    if (value === undefined) {
      if (i + 1 >= argv.length) return { error: `flag needs a value: ${a}` };
      value = argv[++i]!;
    }
    out.flags.set(VALUE_FLAGS[name]!, value);
  }
  return out;
}
