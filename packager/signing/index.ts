/** Package signing, shared by the CLI (keygen, pack --sign, deploy --sign, verify) and the server. */
export { computeKeyId, formatPublicKey, generateSigningKey, KEY_NAME, parsePublicKey, PUBLIC_KEY_PREFIX, readSigningKey, type PublicKeyInfo, type SigningKey } from './signing-key.js'
export { parseSignature, serializeSignature, signDigest, SIGNATURE_FORMAT, verifySignature, type PackageSignature } from './signature.js'
export { readSignatureFile, signatureFilePath, writeSignatureFile } from './signature-file.js'
export { verifyPackageFile, type PackageVerification } from './verify-package.js'
