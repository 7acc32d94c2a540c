#!/usr/bin/env node
// `tsnats`: run a server from nats-server's flags and nats.conf, as nats-server does: -t checks a
// config file, --signal talks to a running server, signals reload/reopen/lame-duck/stop it.
//
// Start-up time (docs/performance.md): what a run does not use is not loaded — the config loader
// without -c, the server for -v/-h/-t/--signal, the doctor tools for a server, and the optional
// subsystems its options do not ask for (optional.ts). The package runs this as a single-file
// CommonJS bundle from V8's code cache (scripts/bundle-cli.mjs, src/cli/loader.cts), so there is no
// top-level await here.
import { parseArgs, mergeOptions, overrideTls, type TlsFlags } from './flags.js';
import { sendSignal } from './signal.js';
import { withDefaults, type ServerOptions } from '../options.js';
import { validateOptions } from '../options-validate.js';
import { isToolCommand } from '../doctor/commands.js';
import { programName } from '../server/program.js';
import { NO_CONFIG_FILE } from '../errors.js';
import { canRequireEsm, preloadAll } from '../optional.js';
import { tuneScavenger } from './scavenge.js';

type ConfigModule = typeof import('../config/index.js');

/** Where the CLI loader (loader.cts) listens for the server being up. */
const CLI_READY = Symbol.for('tsnats.cli.ready');

/**
 * The program's name in messages: `nats-server` when run through the package's `nats-server`
 * command (the drop-in for harnesses that spawn nats-server), `tsnats` otherwise.
 */
const PROGRAM = programName();

function exit(code: number, stdout = '', stderr = ''): never {
  if (stdout) process.stdout.write(stdout);
  if (stderr) process.stderr.write(stderr);
  process.exit(code);
}

async function main(): Promise<void> {
  // Operator subcommands (`tsnats doctor|conns|kick …`, src/doctor/): tools that read a running
  // server's monitoring; everything else is nats-server's command line.
  const argv = process.argv.slice(2);
  if (isToolCommand(argv[0])) {
    const { runTool } = await import('../doctor/cli.js');
    process.exit(await runTool(argv[0], argv.slice(1)));
  }

  const cmd = parseArgs(argv, PROGRAM);
  switch (cmd.kind) {
    case 'version':
    case 'help':
    case 'help_tls':
      exit(cmd.exitCode, cmd.stdout);
    // falls through (exit never returns)
    case 'error':
      exit(cmd.exitCode, cmd.stdout, cmd.stderr);
    // falls through
    case 'signal': {
      const err = sendSignal(cmd.signal.name, cmd.signal.target);
      if (err) exit(1, '', `${PROGRAM}: ${err}\n`);
      exit(0);
    }
    // falls through
    case 'test-config': {
      const { checkReport, loadConfigFile } = await import('../config/index.js');
      const r = checkReport(cmd.configFile, loadConfigFile(cmd.configFile), PROGRAM);
      exit(r.exitCode, '', r.stderr);
    }
    // falls through
    case 'run': {
      // The config loader only with a config file; on a Node without require(esm), the optional
      // modules up front (optional.ts: a reload may need any of them, synchronously).
      const config = cmd.configFile ? await import('../config/index.js') : null;
      if (!canRequireEsm()) await preloadAll();
      await run(cmd.options, cmd.configFile, config, cmd.tlsFlags);
    }
  }
}

void main();

/** Options from the config file (if any) with the flags over them; exits on config errors. */
function resolveOptions(flagOptions: Partial<ServerOptions>, configFile: string | undefined, config: ConfigModule | null, tlsFlags: TlsFlags | undefined, onError: (msg: string) => void): ServerOptions | null {
  let fileOptions: Partial<ServerOptions> = {};
  if (configFile && config) {
    const { loadConfigFile, formatIssue } = config;
    const r = loadConfigFile(configFile);
    if (r.errors.length > 0) {
      onError(r.errors.map(formatIssue).join('\n'));
      return null;
    }
    for (const w of r.warnings) process.stderr.write(`${formatIssue(w)}\n`);
    fileOptions = r.options;
  }
  const merged = mergeOptions(fileOptions, flagOptions).options;
  // Routes from the command line need a cluster listener, from the flags or the file (ConfigureOptions).
  if (flagOptions.routes !== undefined && flagOptions.routes.length > 0 && !merged.cluster?.host && !merged.cluster?.port) {
    onError('solicited routes require cluster capabilities, e.g. --cluster');
    return null;
  }
  if (tlsFlags) {
    // --tls* replace the file's TLS (overrideTLS), with the reference's errors.
    const o = overrideTls(merged.tls, tlsFlags);
    if ('error' in o) {
      onError(o.error);
      return null;
    }
    merged.tls = o.tls ?? undefined;
  }
  const opts: ServerOptions = withDefaults({ ...merged, log: true, configFile });
  // Flags over the file can make a combination the file alone did not (validateOptions).
  const issues = validateOptions(opts);
  if (issues.length > 0) {
    onError(issues.map((i) => i.message).join('\n'));
    return null;
  }
  return opts;
}

async function run(flagOptions: Partial<ServerOptions>, configFile: string | undefined, config: ConfigModule | null, tlsFlags: TlsFlags | undefined): Promise<void> {
  const opts = resolveOptions(flagOptions, configFile, config, tlsFlags, (msg) => exit(1, '', `${PROGRAM}: ${msg}\n`));
  if (!opts) return;
  tuneScavenger();
  // Loaded here so that -v, -h, -t and --signal do not load the server.
  const { createServer } = await import('../services.js');
  // A configuration or trust error (an operator JWT that does not verify, a preload that does not
  // decode, …) is one line and exit status 1, as nats-server reports it: never a stack trace.
  let srv: ReturnType<typeof createServer>;
  try {
    srv = createServer(opts);
  } catch (e) {
    // A configuration or trust error that only shows when the server is built: a certificate file the
    // flags name, an operator JWT that does not verify, a preload that does not decode.
    return exit(1, '', `${PROGRAM}: ${(e as Error).message}\n`);
  }
  srv.start().then(
    // The loader's hook (loader.cts): the server is up, the code that ran is worth caching.
    () => (globalThis as { [CLI_READY]?: () => void })[CLI_READY]?.(),
    (e: Error) => {
      srv.log.fatal(e.message);
      process.exit(1);
    },
  );

  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    void srv.shutdown().then(() => process.exit(code));
  };
  const trapped = (name: string) => srv.log.debugf(`Trapped "${name}" signal`);
  // A file size limit (ulimit -f) must fail the write (EFBIG, answered as a store error), not kill
  // the server: SIGXFSZ's default action is to terminate.
  process.on('SIGXFSZ', () => {});
  process.on('SIGINT', () => {
    trapped('interrupt');
    stop(0);
  });
  process.on('SIGTERM', () => {
    trapped('terminated');
    // A lame duck in progress finishes on its own (as the reference).
    if (!srv.inLameDuckMode) stop(1);
  });
  // A reload (SIGHUP, $SYS.REQ.SERVER.<id>.RELOAD) reads the config file again with the flags over
  // it; without a config file it is refused, as nats-server refuses it.
  srv.setReloader(() => {
    if (!configFile) return new Error(NO_CONFIG_FILE);
    let error = '';
    const next = resolveOptions(flagOptions, configFile, config, tlsFlags, (msg) => (error = msg));
    return next ?? new Error(error);
  });
  process.on('SIGHUP', () => {
    trapped('hangup');
    srv.reloadConfig();
  });
  process.on('SIGUSR1', () => {
    trapped('user defined signal 1');
    if (srv.opts.logFile) {
      srv.log.reopen();
      srv.log.notice('File log re-opened');
    } else srv.log.warn('File log re-open ignored, not a file logger');
  });
  process.on('SIGUSR2', () => {
    trapped('user defined signal 2');
    void srv.lameDuckMode();
  });
  srv.once('shutdown', () => {
    if (!stopping) process.exit(0);
  });
}
