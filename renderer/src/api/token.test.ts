import { describe, expect, it } from 'vitest';
import { takeToken } from './token.js';

describe('takeToken', () => {
  it('takes the token from the URL and removes only it', () => {
    expect(takeToken('?token=abc&x=1', null)).toEqual({ token: 'abc', cleanedSearch: '?x=1' });
    expect(takeToken('?token=abc', 'old')).toEqual({ token: 'abc', cleanedSearch: '' });
  });
  it('falls back to the stored token on reload and leaves the URL alone', () => {
    expect(takeToken('', 'stored')).toEqual({ token: 'stored', cleanedSearch: null });
    expect(takeToken('?x=1', 'stored')).toEqual({ token: 'stored', cleanedSearch: null });
  });
  it('reports no token when there is none', () => {
    expect(takeToken('', null)).toEqual({ token: null, cleanedSearch: null });
    expect(takeToken('?token=', '')).toEqual({ token: null, cleanedSearch: null });
  });
});
