// The HTTP monitor (`-m PORT`, `http_port`, `http: host:port`; over HTTPS with `-ms PORT`,
// `https_port`, `https: host:port` and the tls {} certificates): thin handlers over the monitor
// functions, with the reference's wire details (monitor.go Handle*, ResponseHandler): pretty JSON
// (2-space indent), `Content-Type: application/json`, JSONP with `callback`, 400 text/plain for a
// bad parameter, `404 page not found` for unknown paths, and per-endpoint request counters.
import { createServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { Server } from '../server/server.js';
import { goJSON } from './format.js';
import { MonitorError, Query, goParseQuery } from './params.js';
import { countRequest, monitorState } from './state.js';
import { varz } from './varz.js';
import { connz } from './connz.js';
import { subsz, subszHttpBody } from './subsz.js';
import { accountz, accountStatz, trackAccountTraffic } from './accounts.js';
import { healthz, gatewayz, jsz } from './misc.js';
import { leafz } from './leafz.js';
import { routez } from './routez.js';
import { metrics, trackHealthCounters } from './metrics.js';
import { rootPage } from './root.js';
import { DASHBOARD_PATHS, serveDashboard } from './dashboard.js';
import { cleanPath } from '../transport/ws/gourl.js';

type Handler = (srv: Server, q: Query, req: IncomingMessage, res: ServerResponse) => void;

/** One response with its Content-Length (the reference does not chunk these small bodies). */
function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
  res.end(buf);
}

/** JSON body, or JSONP `cb(...)` when `callback` is given (ResponseHandler). */
function respond(res: ServerResponse, q: Query, body: string, status = 200): void {
  const cb = q.str('callback');
  if (cb !== '') {
    send(res, status, { 'Content-Type': 'application/javascript' }, `${cb}(${body})`);
    return;
  }
  send(res, status, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' }, body);
}

/** A bad request: the error text as text/plain, no trailing newline (w.WriteHeader + w.Write). */
function badRequest(res: ServerResponse, msg: string, status = 400): void {
  send(res, status, { 'Content-Type': 'text/plain; charset=utf-8' }, msg);
}

/** Go's http.NotFound. */
function notFound(res: ServerResponse): void {
  send(res, 404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, '404 page not found\n');
}

const pretty = (v: unknown) => goJSON(v, 2);

// Where each handler counts its request mirrors the reference: /connz and /routez decode their
// parameters first (a bad one is not counted), the others count first.
const HANDLERS: Record<string, Handler> = {
  '/varz': (srv, q, _req, res) => {
    countRequest(srv, '/varz');
    respond(res, q, pretty(varz(srv)));
  },
  '/connz': (srv, q, _req, res) => {
    const sort = q.str('sort');
    const auth = q.bool('auth');
    const [subs, detail] = q.subs();
    const offset = q.int('offset');
    const limit = q.int('limit');
    const cid = q.uint64('cid');
    const state = q.state();
    countRequest(srv, '/connz');
    const body = connz(srv, {
      sort, auth, subscriptions: subs, subscriptions_detail: detail, offset, limit, cid, state,
      user: q.str('user'), acc: q.str('acc'), mqtt_client: q.str('mqtt_client'), filter_subject: q.str('filter_subject'),
    });
    respond(res, q, pretty(body));
  },
  '/routez': (srv, q, _req, res) => {
    const [subs, detail] = q.subs();
    countRequest(srv, '/routez');
    respond(res, q, pretty(routez(srv, { subscriptions: subs, subscriptions_detail: detail })));
  },
  '/gatewayz': (srv, q, _req, res) => {
    countRequest(srv, '/gatewayz');
    q.bool('accs');
    respond(res, q, pretty(gatewayz(srv)));
  },
  '/leafz': (srv, q, _req, res) => {
    countRequest(srv, '/leafz');
    const subs = q.bool('subs');
    respond(res, q, pretty(leafz(srv, { subscriptions: subs, account: q.str('acc') })));
  },
  '/subsz': (srv, q, _req, res) => {
    countRequest(srv, '/subsz');
    const subs = q.bool('subs');
    const offset = q.int('offset');
    const limit = q.int('limit');
    const sz = subsz(srv, { subscriptions: subs, offset, limit, test: q.str('test'), account: q.str('acc') });
    respond(res, q, pretty(subszHttpBody(sz)));
  },
  '/accountz': (srv, q, _req, res) => {
    countRequest(srv, '/accountz');
    respond(res, q, pretty(accountz(srv, { account: q.str('acc') })));
  },
  '/accstatz': (srv, q, _req, res) => {
    countRequest(srv, '/accstatz');
    const unused = q.bool('unused');
    respond(res, q, pretty(accountStatz(srv, { include_unused: unused })));
  },
  '/jsz': (srv, q, _req, res) => {
    countRequest(srv, '/jsz');
    const accounts = q.bool('accounts');
    const streams = q.bool('streams');
    const consumer = q.bool('consumers');
    const config = q.bool('config');
    const offset = q.int('offset');
    const limit = q.int('limit');
    const leader_only = q.bool('leader-only');
    respond(res, q, pretty(jsz(srv, { account: q.str('acc'), accounts, streams, consumer, config, leader_only, offset, limit })));
  },
  '/healthz': (srv, q, _req, res) => {
    countRequest(srv, '/healthz');
    q.bool('js-enabled');
    q.bool('js-enabled-only');
    q.bool('js-server-only');
    const h = healthz(srv);
    if (h.status !== 'ok') srv.log.warn(`Healthcheck failed: "${h.error}"`);
    // The health body is compact JSON (json.Marshal), unlike the others.
    respond(res, q, goJSON(h), h.status === 'ok' ? 200 : 503);
  },
  // tsnats extension: Prometheus text exposition on the monitor port.
  '/metrics': (srv, _q, _req, res) => {
    countRequest(srv, '/metrics');
    send(res, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }, metrics(srv));
  },
};
HANDLERS['/subscriptionsz'] = HANDLERS['/subsz'];
// tsnats extension: the dashboard page, its script and its data (dashboard.ts, docs/dashboard.md).
for (const p of DASHBOARD_PATHS) HANDLERS[p] = (srv, q, req, res) => serveDashboard(p, srv, q, req, res);

/** `http_base_path` as the reference normalizes it: leading slash, no trailing one, '/' when empty. */
export function normalizeBasePath(p: string): string {
  if (!p) return '/';
  if (!p.startsWith('/')) p = '/' + p;
  p = p.replace(/\/+/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

function joinPath(base: string, p: string): string {
  return base === '/' ? p : base + (p === '/' ? '' : p);
}

/** Go's net/http answer to plain HTTP on a TLS port (tlsRecordHeaderLooksLikeHTTP). */
const HTTP_ON_HTTPS = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';
const HTTP_METHODS = ['GET /', 'HEAD ', 'POST ', 'PUT /', 'OPTIO'];

/** The monitor's HTTP (or HTTPS) listener. */
export class MonitorServer {
  private http: HttpServer | null = null;
  /** HTTPS: the TCP listener in front of the HTTPS server (answers plain HTTP as Go does). */
  private front: NetServer | null = null;
  private readonly secure: boolean;
  private sockets = new Set<Socket>();
  private routes = new Map<string, Handler>();
  private root: string;
  host = '';
  port = 0;

  constructor(private readonly srv: Server) {
    const base = normalizeBasePath(srv.opts.httpBasePath);
    this.root = base;
    for (const [p, h] of Object.entries(HANDLERS)) this.routes.set(joinPath(base, p), h);
    this.secure = srv.opts.httpsPort !== 0;
  }

  /** The tls {} certificates without client verification (the reference: ClientAuth = NoClientCert). */
  private tlsOptions(): SecureContextOptions & { requestCert: false; rejectUnauthorized: false } {
    const t = this.srv.tls;
    if (t === null) throw new Error("Can't start monitoring: TLS cert and key required for HTTPS");
    return { ...t.contextOptions, requestCert: false, rejectUnauthorized: false };
  }

  /** A reload brought new certificates: new HTTPS connections use them. */
  updateTls(): void {
    const http = this.http as unknown as { setSecureContext?: (o: SecureContextOptions) => void } | null;
    if (this.secure && http?.setSecureContext && this.srv.tls !== null) http.setSecureContext(this.tlsOptions());
  }

  /** Binds `http_host:http_port` (the client host when http_host is unset; -1 = a free port). */
  async start(): Promise<void> {
    trackAccountTraffic(this.srv);
    trackHealthCounters(this.srv);
    const o = this.srv.opts;
    const host = o.httpHost ?? o.host;
    const want = this.secure ? o.httpsPort : o.httpPort;
    const port = want === -1 ? 0 : want;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const http: HttpServer = this.secure ? (createHttpsServer(this.tlsOptions(), handler) as unknown as HttpServer) : createServer(handler);
    const track = (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    };
    // HTTPS: a TCP listener judges the first bytes (plain HTTP gets Go's 400) and hands TLS on.
    const listener: HttpServer | NetServer = this.secure ? createNetServer({ pauseOnConnect: true }, (s) => this.frontConnection(s, http)) : http;
    if (this.secure) this.front = listener as NetServer;
    listener.on('connection', track);
    await new Promise<void>((resolve, reject) => {
      const onErr = (err: NodeJS.ErrnoException) => {
        reject(new Error(`can't listen to the monitor port: listen tcp ${hostPort(host, port)}: ${err.code === 'EADDRINUSE' ? 'bind: address already in use' : err.message}`));
      };
      listener.once('error', onErr);
      listener.listen({ host, port }, () => {
        listener.off('error', onErr);
        resolve();
      });
    });
    listener.on('error', (err) => this.srv.log.error(`Monitor HTTP server error: ${err.message}`));
    this.http = http;
    this.host = host;
    this.port = (listener.address() as { port: number }).port;
    const st = monitorState(this.srv);
    st.httpHost = host;
    if (this.secure) st.httpsPort = this.port;
    else st.httpPort = this.port;
    this.srv.log.notice(`Starting ${this.secure ? 'https' : 'http'} monitor on ${hostPort(host, this.port)}`);
  }

  /** HTTPS: the first bytes decide: a TLS record goes to the HTTPS server, plain HTTP gets Go's 400. */
  private frontConnection(s: Socket, https: HttpServer): void {
    let got: Buffer = Buffer.alloc(0);
    s.on('error', () => s.destroy());
    const timer = setTimeout(() => s.destroy(), 10_000);
    timer.unref();
    const onData = (d: Buffer) => {
      got = got.length ? Buffer.concat([got, d]) : d;
      if (got[0] === 0x16) {
        s.off('data', onData);
        s.pause();
        clearTimeout(timer);
        s.unshift(got);
        https.emit('connection', s);
        return;
      }
      if (got.length < 5) return;
      s.off('data', onData);
      clearTimeout(timer);
      const head = got.toString('latin1', 0, 5);
      if (HTTP_METHODS.includes(head)) s.end(HTTP_ON_HTTPS);
      else s.destroy();
    };
    s.on('data', onData);
    s.resume();
  }

  async stop(): Promise<void> {
    const http = this.http;
    if (!http) return;
    this.http = null;
    const listener: HttpServer | NetServer = this.front ?? http;
    this.front = null;
    const closed = new Promise<void>((r) => listener.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
    const st = monitorState(this.srv);
    st.httpPort = 0;
    st.httpsPort = 0;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // A request line without an HTTP version: Go's server answers 400 and closes (Node would serve it).
    if (req.httpVersionMajor === 0) {
      req.socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
      return;
    }
    let url: URL;
    try {
      // The request target is a path: `//connz` is a path here, not a scheme-relative URL.
      const target = req.url ?? '/';
      url = new URL('http://monitor' + (target.startsWith('/') ? target : '/' + target));
      // Go's ServeMux redirects a path that is not clean (`//connz`, `/a/../connz`) to its clean form.
      const q = target.indexOf('?');
      const rawPath = q < 0 ? target : target.slice(0, q);
      if (cleanPath(rawPath) !== rawPath) {
        const loc = cleanPath(rawPath) + (q < 0 ? '' : target.slice(q));
        send(res, 301, { 'Content-Type': 'text/html; charset=utf-8', Location: loc }, `<a href="${loc.replace(/"/g, '&#34;')}">Moved Permanently</a>.\n\n`);
        return;
      }
    } catch {
      return notFound(res);
    }
    // The query as Go's url.ParseQuery reads the raw text (malformed pairs dropped, not refused).
    const raw = req.url ?? '';
    const q = new Query(goParseQuery(raw.includes('?') ? raw.slice(raw.indexOf('?') + 1).split('#')[0]! : ''));
    const path = url.pathname;

    try {
      if (path === this.root) {
        countRequest(this.srv, '/');
        send(res, 200, { 'Content-Type': 'text/html; charset=utf-8' }, rootPage(this.root));
        return;
      }
      const h = this.routes.get(path);
      if (!h) return notFound(res);
      h(this.srv, q, req, res);
    } catch (err) {
      if (err instanceof MonitorError) return badRequest(res, err.message, err.status);
      this.srv.log.error(`Error handling monitor request ${path}: ${(err as Error).message}`);
      if (!res.headersSent) badRequest(res, (err as Error).message, 500);
    }
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
