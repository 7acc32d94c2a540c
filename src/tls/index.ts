// TLS for the client port (nats-server 2.9.10's `tls {}`): the pieces the connection engine plugs
// in. See docs/reference/tls-2.9.10.md for the behaviour they reproduce.
export * from './options.js';
export * from './names.js';
export * from './map.js';
export * from './errors.js';
export * from './first-record.js';
export * from './certinfo.js';
export { parseCertificate, pemCertificates, CertParseError, type ParsedCert, type Rdn, type Atv } from './x509.js';
export { nameString, rdnSequenceString, toRdnSequence } from './dn.js';
