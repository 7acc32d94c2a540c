// The configuration examples of nats.docs (running-a-nats-service/configuration/**) that use what
// tsnats covers, as files under test/fixtures/conf/docs, with nats-server 2.9.10's verdict on
// `nats-server -c FILE -t` (recorded; differential.test.ts re-checks it when nats-server is installed).
import type { Case } from './cases.js';

export interface DocCase {
  file: string;
  env?: Record<string, string>;
  ref: Case['ref'];
  differs?: Case['differs'];
  /** Warnings tsnats gives (codes), e.g. an ignored block. */
  warnings?: string[];
}

const AUTHZ_ENV = { ADMIN_PASS: 'a', CLIENT_PASS: 'b', SERVICE_PASS: 'c', OTHER_PASS: 'd' };

export const DOC_CASES: DocCase[] = [
  { file: 'accounts-basic.conf', ref: { valid: true } },
  { file: 'accounts-exports.conf', ref: { valid: false, line: 14, col: 5, message: 'unknown field "..."' } },
  { file: 'accounts-import-export.conf', ref: { valid: true } },
  { file: 'accounts-no-auth-user.conf', ref: { valid: true } },
  { file: 'auth-timeout.conf', ref: { valid: true } },
  { file: 'authz-allow-deny.conf', ref: { valid: true } },
  { file: 'authz-allow-responses.conf', ref: { valid: true } },
  { file: 'authz-queue-permissions-fixed.conf', ref: { valid: true } },
  {
    file: 'authz-queue-permissions.conf',
    ref: { valid: false, line: 10, message: `Expected a map value terminator "," or a map terminator "}", but got '"' instead.` },
  },
  { file: 'authz-variables.conf', env: AUTHZ_ENV, ref: { valid: true } },
  { file: 'docker-default.conf', ref: { valid: true } },
  { file: 'logging-2.9.conf', ref: { valid: true } },
  { file: 'logging.conf', ref: { valid: false, line: 6, col: 1, message: 'unknown field "logfile_max_num"' } },
  { file: 'monitoring-http-port.conf', ref: { valid: true } },
  { file: 'monitoring-http.conf', ref: { valid: true } },
  { file: 'nkey.conf', ref: { valid: true } },
  { file: 'readme-bad-token.conf', ref: { valid: true } },
  { file: 'readme-fixed-token.conf', ref: { valid: true } },
  { file: 'readme-include-server.conf', ref: { valid: true } },
  { file: 'readme-jetstream.conf', ref: { valid: true } },
  { file: 'readme-variables-env.conf', env: { TOKEN: 'hello' }, ref: { valid: true } },
  { file: 'readme-variables.conf', ref: { valid: true } },
  { file: 'sys-accounts.conf', ref: { valid: true } },
  {
    file: 'tls.conf',
    ref: { valid: false, line: 2, col: 1, message: 'error parsing X509 certificate/key pair: open ./server-cert.pem: no such file or directory' },
  },
  { file: 'tokens-bcrypt.conf', ref: { valid: true } },
  { file: 'tokens.conf', ref: { valid: true } },
  { file: 'userpass-bcrypt-fixed.conf', ref: { valid: true } },
  { file: 'userpass-bcrypt.conf', ref: { valid: false, line: 5, message: 'Floats must start with a digit' } },
  { file: 'userpass-multi.conf', ref: { valid: true } },
  { file: 'userpass-single.conf', ref: { valid: true } },
];
