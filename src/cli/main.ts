#!/usr/bin/env node
// `tsnats`: run a server with nats-server's flags. (Temporary minimal flag parsing; the full
// nats-server flag set lives in cli/flags.ts.)
import { Server } from '../server/server.js';
import type { ServerOptions } from '../options.js';

function parse(argv: string[]): Partial<ServerOptions> {
  const o: Partial<ServerOptions> = { log: true };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('-') && eq > 0) {
      v = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const next = () => v ?? argv[++i];
    switch (a.replace(/^--?/, '')) {
      case 'a': case 'addr': case 'net': o.host = next(); break;
      case 'p': case 'port': o.port = Number(next()); break;
      case 'n': case 'name': case 'server_name': o.serverName = next(); break;
      case 'm': case 'http_port': o.httpPort = Number(next()); break;
      case 'D': case 'debug': o.debug = true; break;
      case 'V': case 'trace': o.trace = true; break;
      case 'DV': o.debug = true; o.trace = true; break;
      case 'user': o.username = next(); break;
      case 'pass': o.password = next(); break;
      case 'auth': o.authorization = next(); break;
      case 'P': case 'pid': o.pidFile = next(); break;
      case 'l': case 'log': o.logFile = next(); break;
      default:
        process.stderr.write(`flag provided but not defined: ${a}\n`);
        process.exit(1);
    }
  }
  return o;
}

const srv = new Server(parse(process.argv.slice(2)));
srv.start().catch((e) => {
  srv.log.fatal(String(e?.message ?? e));
  process.exit(1);
});
const stop = (code: number) => () => {
  srv.shutdown().then(() => process.exit(code));
};
process.on('SIGINT', stop(0));
process.on('SIGTERM', stop(1));
