/**
 * The certificate and key `ferry serve --tls-cert FILE --tls-key FILE` serves HTTPS with, read and
 * checked before anything starts: a missing or unreadable file, a file that is not PEM, or a key
 * that does not belong to the certificate is refused with its code and nothing is listened on.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createSecureContext } from 'node:tls'
import { createGatewayError } from '../errors.js'

export interface TlsPair {
  cert: Buffer
  key: Buffer
  /** The certificate's subject and validity, for the start-up lines. */
  subject: string
  validTo: string
}

async function readPem(option: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`
    throw createGatewayError('E_TLS_FILE_UNREADABLE', `${option} ${file} ${why}`, { details: { option, file, cause: code }, cause: error })
  }
}

/**
 * Reads and checks the pair.
 * @example const tls = await loadTlsPair('/etc/ferry/cert.pem', '/etc/ferry/key.pem')
 */
export async function loadTlsPair(certFile: string, keyFile: string): Promise<TlsPair> {
  const [cert, key] = [await readPem('--tls-cert', certFile), await readPem('--tls-key', keyFile)]
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch (error) {
    throw createGatewayError('E_TLS_PAIR_INVALID', `--tls-cert ${certFile} is not a PEM certificate (${(error as Error).message})`, { details: { option: '--tls-cert', file: certFile }, cause: error })
  }
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    privateKey = createPrivateKey(key)
  } catch (error) {
    throw createGatewayError('E_TLS_PAIR_INVALID', `--tls-key ${keyFile} is not a PEM private key (an encrypted key is not supported) (${(error as Error).message})`, { details: { option: '--tls-key', file: keyFile }, cause: error })
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw createGatewayError('E_TLS_PAIR_INVALID', `--tls-key ${keyFile} is not the key of the certificate ${certFile}`, { details: { option: '--tls-key', file: keyFile, cert: certFile } })
  }
  try {
    createSecureContext({ cert, key })
  } catch (error) {
    throw createGatewayError('E_TLS_PAIR_INVALID', `the pair ${certFile} / ${keyFile} cannot serve TLS (${(error as Error).message})`, { details: { cert: certFile, key: keyFile }, cause: error })
  }
  return { cert, key, subject: x509.subject.replace(/\n/g, ', '), validTo: x509.validTo }
}
