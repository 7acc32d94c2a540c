// The package entry for a Node without require(esm) (before 20.19 and 22.12; package.json's
// `default` export condition): the same API as index.ts, with every optional module (optional.ts)
// loaded up front, so need() never has to load one. Slower to import; the same outcome.
import { provide } from './optional.js';
import * as tls from './transport/tls.js';
import * as tlsNames from './tls/names.js';
import * as tlsOptions from './tls/options.js';
import * as tlsMap from './tls/map.js';
import * as jwt from './auth/jwt.js';
import * as reload from './server/reload.js';
import * as sysRequests from './system/requests.js';
import * as statsz from './monitor/statsz.js';
import * as wsOrigin from './transport/ws/origin.js';
import * as leafValidate from './leaf/validate.js';
import * as clusterUrl from './cluster/url.js';
import * as clusterTls from './cluster/tls.js';

provide({ tls, tlsNames, tlsOptions, tlsMap, jwt, reload, sysRequests, statsz, wsOrigin, leafValidate, clusterUrl, clusterTls });

export * from './index.js';
