import type { ITheme } from '@xterm/xterm';

/** Terminal colours matching styles.css's light and dark palettes; the OS setting picks one. */
export const DARK_THEME: ITheme = {
  background: '#0f1419',
  foreground: '#e3e8ee',
  cursor: '#7aa7ff',
  selectionBackground: '#2f4a7a',
};

export const LIGHT_THEME: ITheme = {
  background: '#fbfcfd',
  foreground: '#1b2430',
  cursor: '#1f6feb',
  selectionBackground: '#b6d3ff',
  // xterm's default yellow and white are unreadable on a light background.
  yellow: '#8a6a00',
  brightYellow: '#9a6700',
  white: '#5d6b7a',
  brightWhite: '#1b2430',
};

const query = () => window.matchMedia?.('(prefers-color-scheme: dark)');

export const prefersDark = (): boolean => query()?.matches ?? false;

/** Follow the OS light/dark setting while the pane lives. */
export function onThemeChange(listener: (dark: boolean) => void): () => void {
  const q = query();
  if (!q) return () => {};
  const on = (e: MediaQueryListEvent) => listener(e.matches);
  q.addEventListener('change', on);
  return () => q.removeEventListener('change', on);
}
