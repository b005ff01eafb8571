import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { MemorySecretStore, redactSecrets } from './secret-store.js';

describe('secret store and redaction', () => {
  it('stores per host and kind, and an empty value deletes', () => {
    const s = new MemorySecretStore();
    s.set('h1', 'password', 'pw1');
    s.set('h1', 'passphrase', 'pp1');
    expect([s.get('h1', 'password'), s.get('h1', 'passphrase'), s.get('h2', 'password')]).toEqual(['pw1', 'pp1', undefined]);
    s.set('h1', 'password', '');
    expect(s.get('h1', 'password')).toBeUndefined();
    expect(s.values()).toEqual(['pp1']);
  });

  it('scrubs secrets from log lines, also when JSON escaping changed them', () => {
    const secret = 'pa"ss\\word-canary';
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l), (l) => redactSecrets(l, [secret]));
    log.info('oops', { detail: `the password was ${secret}` });
    expect(lines[0]).toContain('[redacted]');
    expect(lines[0]).not.toContain('canary');
    expect(redactSecrets('abcabc', ['abc', 'abcabc'])).toBe('[redacted]');
  });
});
