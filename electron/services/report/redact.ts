import { redactByteForms, secretByteForms } from '../secrets/secret-store.js';

/**
 * Redact secrets from bytes without decoding them: a file that holds no secret comes out
 * byte-identical (so a transcript still matches its recorded SHA-256), and invalid UTF-8 in a
 * transcript is not mangled.
 */
export function redactBytes(data: Buffer, secrets: readonly string[]): Buffer {
  return redactByteForms(data, secretByteForms(secrets));
}

/** Whether any secret (in any of its forms) is in the bytes. */
export function containsSecret(data: Buffer, secrets: readonly string[]): boolean {
  return secretByteForms(secrets).some((f) => data.includes(f));
}
