import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK_HOST } from './server-process';

// Throwaway TLS material for the private test servers (nats-server, redis-server), made with the openssl CLI.

/** The PEM files written by {@link generateTlsFiles}: the CA, the server certificate it signed, and that certificate's key. */
export interface TestTlsFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * Writes a throwaway P-256 CA, and a server certificate it signs for IP 127.0.0.1 and DNS localhost, into `dir`. The
 * DNS name is there because a client that upgrades an already-open socket to TLS (nats.js does) passes no servername
 * for an IP URL, so Node verifies the certificate against its fallback host name `localhost`, not against 127.0.0.1.
 */
export function generateTlsFiles(dir: string): TestTlsFiles {
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', file('ca-key.pem'), '-out', file('ca.pem'), '-days', '2',
    '-subj', '/CN=Catga test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-new', ...ec, '-keyout', file('server-key.pem'), '-out', file('server.csr'), '-subj', `/CN=${LOOPBACK_HOST}`]);
  writeFileSync(file('server-ext.cnf'), [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = IP:${LOOPBACK_HOST}, DNS:localhost`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid, issuer',
    '',
  ].join('\n'));
  openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'),
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-extfile', file('server-ext.cnf'), '-out', file('server.pem')]);
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server-key.pem') };
}

function openssl(args: string[]): void {
  const binary = existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';
  try {
    execFileSync(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (error) {
    const stderr = errorField(error, 'stderr');
    throw new Error(`openssl ${args[0]} failed: ${error instanceof Error ? error.message : String(error)}${stderr ? `\n${stderr}` : ''}`);
  }
}

function errorField(error: unknown, field: string): string {
  if (typeof error !== 'object' || error === null || !(field in error)) return '';
  const value: unknown = (error as Record<string, unknown>)[field];
  return Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : '';
}
