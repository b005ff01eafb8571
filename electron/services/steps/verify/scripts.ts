/**
 * The verification step's read-only scripts (step 7). Each prints `== <section>` headers and the
 * raw output of the tools under them, and always exits 0: what a check finds is for `evaluate`
 * (parse.ts) to judge on the laptop, so a stopped service is a finding, not a failed action.
 * Run with `sh -c` (dash on Debian); TCP probes use bash's /dev/tcp, present on every Debian
 * (bash is essential there), so no netcat or curl is needed on the servers.
 */

/**
 * One TCP connect, bounded: prints `open` (connected), `closed` (refused: nothing listens, but
 * the packet got through) or `filtered` (no answer in time: a firewall dropped it). $1 host, $2
 * port, $3 seconds.
 */
const TCP_PROBE_FN = `tcp_probe() {
  timeout "$3" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
  case $? in 0) echo open ;; 124) echo filtered ;; *) echo closed ;; esac
}`;

/**
 * $@: the units whose state is checked. Sections `units` (`<unit> <is-active> <is-enabled>`) and
 * `failed` (`systemctl --failed`).
 */
export const SERVICES_SCRIPT = `printf '== units\\n'
for u in "$@"; do
  printf '%s %s %s\\n' "$u" "$(systemctl is-active "$u" 2>/dev/null || true)" "$(systemctl is-enabled "$u" 2>/dev/null || true)"
done
printf '== failed\\n'
systemctl list-units --failed --plain --no-legend --no-pager 2>/dev/null || true
exit 0`;

/**
 * $1 the VIP, $2 the TCP port it serves on. Sections `addr` (this node's IPv4 addresses, `ip -o`),
 * `tcp` (open / closed / filtered), `ping` (`ok`, `lost` or `missing` when there is no ping).
 */
export const VIP_SCRIPT = `${TCP_PROBE_FN}
printf '== addr\\n'
ip -o -4 addr show 2>/dev/null || true
printf '== tcp\\n'
tcp_probe "$1" "$2" 3
printf '== ping\\n'
if command -v ping >/dev/null 2>&1; then
  if ping -n -c 1 -W 2 "$1" >/dev/null 2>&1; then echo ok; else echo lost; fi
else
  echo missing
fi
exit 0`;

/**
 * chrony's view, machine-readable (-c) and numeric (-n): sections `tracking` and `sources`, each
 * ending with `rc=<exit code>`. A chrony that runs but has not synchronised yet (a verification
 * started right after the install: the e2e's node4 still said "Not synchronised") gets up to a
 * minute first (12 × 5 s); a stopped chronyd answers at once and is read as it is.
 */
export const TIME_SCRIPT = `chronyc waitsync 12 0 0 5 > /dev/null 2>&1 || true
printf '== tracking\\n'
chronyc -n -c tracking 2>&1; echo "rc=$?"
printf '== sources\\n'
chronyc -n -c sources 2>&1; echo "rc=$?"
exit 0`;

/**
 * $1 Rackside's nftables table; then per peer one argument \`<address> <port> <port>…\` (TCP ports
 * the peer's plan opens). Sections \`probes\` (\`<address> <port> <open|closed|filtered>\`, all
 * probes in parallel so a dropped port costs its timeout once) and \`ruleset\` (the table, as nft
 * lists it; needs root).
 */
export const FIREWALL_SCRIPT = `${TCP_PROBE_FN}
table=$1; shift
tmp=$(mktemp -d) || exit 0
i=0
for peer in "$@"; do
  set -- $peer
  addr=$1; shift
  for p in "$@"; do
    i=$((i + 1))
    ( printf '%s %s %s\\n' "$addr" "$p" "$(tcp_probe "$addr" "$p" 3)" > "$tmp/$i" ) &
  done
done
wait
printf '== probes\\n'
cat "$tmp"/* 2>/dev/null
rm -rf "$tmp"
printf '== ruleset\\n'
nft list table inet "$table" 2>&1 || true
exit 0`;

/**
 * Prometheus's targets API on this node, read over bash's /dev/tcp (no curl on a minimal server):
 * $1 port. Prints the raw HTTP response (headers, blank line, JSON body), or `unreachable`.
 */
export const PROMETHEUS_TARGETS_SCRIPT = `bash -c '
exec 3<>"/dev/tcp/127.0.0.1/$0" || { echo unreachable; exit 0; }
printf "GET /api/v1/targets?state=active HTTP/1.0\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n" >&3
timeout 20 cat <&3
' "$1" 2>/dev/null || echo unreachable
exit 0`;
