/**
 * A journaled ISO time (UTC, as the backend writes it) shown in the UI's language and the laptop's
 * time zone: "7 Dec 2026, 14:05" / "2026年12月7日 14:05". A value that is not a time is shown as it is.
 */
export function localTime(at: string, language: string, timeZone?: string): string {
  const d = new Date(at);
  if (at === '' || Number.isNaN(d.getTime())) return at;
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(d);
}
