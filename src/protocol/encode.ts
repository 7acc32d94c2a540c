// Frames the server sends: INFO, -ERR, +OK, PING, PONG (reference §1.1: INFO has a space before
// its CRLF; errors are single-quoted).

export const OK = Buffer.from('+OK\r\n');
export const PING = Buffer.from('PING\r\n');
export const PONG = Buffer.from('PONG\r\n');
export const CRLF = Buffer.from('\r\n');

/** `-ERR '<text>'\r\n` */
export function errFrame(text: string): Buffer {
  return Buffer.from(`-ERR '${text}'\r\n`, 'utf8');
}

/** INFO fields in the order of nats-server's Info struct; optional ones only when set. */
export interface InfoFields {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  git_commit?: string;
  go: string;
  host: string;
  port: number;
  headers: boolean;
  auth_required?: boolean;
  tls_required?: boolean;
  tls_verify?: boolean;
  tls_available?: boolean;
  max_payload: number;
  jetstream?: boolean;
  ip?: string;
  client_id?: number;
  client_ip?: string;
  nonce?: string;
  cluster?: string;
  cluster_dynamic?: boolean;
  domain?: string;
  connect_urls?: string[];
  ws_connect_urls?: string[];
  ldm?: boolean;
}

const ORDER: (keyof InfoFields)[] = [
  'server_id', 'server_name', 'version', 'proto', 'git_commit', 'go', 'host', 'port', 'headers',
  'auth_required', 'tls_required', 'tls_verify', 'tls_available', 'max_payload', 'jetstream', 'ip',
  'client_id', 'client_ip', 'nonce', 'cluster', 'cluster_dynamic', 'domain', 'connect_urls',
  'ws_connect_urls', 'ldm',
];
/** Fields Go omits when false/empty (`omitempty`); the others are always present. */
const ALWAYS = new Set<keyof InfoFields>(['server_id', 'server_name', 'version', 'proto', 'go', 'host', 'port', 'headers', 'max_payload']);

export function infoJSON(info: InfoFields): string {
  let out = '{';
  let first = true;
  for (const k of ORDER) {
    const v = info[k];
    if (!ALWAYS.has(k)) {
      if (v === undefined || v === false || v === '' || v === 0 || (Array.isArray(v) && v.length === 0)) continue;
    }
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + JSON.stringify(v);
  }
  return out + '}';
}

/** `INFO {json} \r\n` */
export function infoFrame(info: InfoFields): Buffer {
  return Buffer.from(`INFO ${infoJSON(info)} \r\n`, 'utf8');
}
