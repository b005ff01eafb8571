/** Strings that would break or subvert a naively built shell command line. */
export const HOSTILE = [
  '$(touch /tmp/pwned)',
  '`id`',
  'a; rm -rf /',
  "it's",
  '"double" and \'single\'',
  'new\nline',
  '  spaced  ',
  '',
  '*',
  '~root',
  '-n',
  '中文 ünïcødé 🚀',
  '\\backslash\\',
  '$HOME ${PATH} $((1+1))',
  '| cat > /etc/passwd &',
];
