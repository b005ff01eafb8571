export const TOKEN_STORAGE_KEY = 'rackside.token';

/**
 * Where the browser host's one-time token comes from. `npm start` prints a URL with `?token=…`;
 * we keep the token in sessionStorage (so a reload still works) and drop it from the visible URL
 * so it does not end up in screenshots, history or a shared link.
 */
export function takeToken(
  search: string,
  stored: string | null,
): { token: string | null; cleanedSearch: string | null } {
  const params = new URLSearchParams(search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    params.delete('token');
    const rest = params.toString();
    return { token: fromUrl, cleanedSearch: rest ? `?${rest}` : '' };
  }
  return { token: stored && stored.length > 0 ? stored : null, cleanedSearch: null };
}

/** Reads the token from the page URL or session, stores it and cleans the address bar. */
export function loadBrowserToken(): string | null {
  let stored: string | null = null;
  try {
    stored = sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    // Storage can be disabled by policy; the URL token still works for this page load.
  }
  const { token, cleanedSearch } = takeToken(location.search, stored);
  if (token && cleanedSearch !== null) {
    try {
      sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
    } catch {
      // See above: without storage a reload will ask for the address again.
    }
    history.replaceState(history.state, '', `${location.pathname}${cleanedSearch}${location.hash}`);
  }
  return token;
}
