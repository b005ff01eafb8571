/**
 * The host scripts of the node-to-node check (check-step.ts plans them, check-evaluate.ts reads
 * what they print through matrix.ts). Fixed text: every value reaches them as a positional
 * parameter, never pasted in.
 */

// Printed first, before anything slow, so the nodes' clocks are read as close together as the
// runner starts them (the same moment, give or take the lock round trip).
export const CLOCK = `printf 'epoch=%s\\n' "$(date +%s.%N)"
if command -v timedatectl >/dev/null 2>&1 && timedatectl show >/dev/null 2>&1; then
  printf 'ntp_source=timedatectl\\nntp_synced=%s\\nntp_enabled=%s\\n' "$(timedatectl show -p NTPSynchronized --value)" "$(timedatectl show -p NTP --value)"
elif command -v chronyc >/dev/null 2>&1 && t=$(chronyc -n tracking 2>/dev/null) && [ -n "$t" ]; then
  leap=$(printf '%s\\n' "$t" | sed -n 's/^Leap status *: *//p')
  case $leap in "Not synchronised"|"") s=no ;; *) s=yes ;; esac
  printf 'ntp_source=chrony\\nntp_synced=%s\\nntp_offset=%s\\n' "$s" "$(printf '%s\\n' "$t" | sed -n 's/^System time *: *//p')"
elif command -v ntpq >/dev/null 2>&1 && p=$(ntpq -pn 2>/dev/null); then
  if printf '%s\\n' "$p" | grep -q '^\\*'; then s=yes; else s=no; fi
  printf 'ntp_source=ntpd\\nntp_synced=%s\\n' "$s"
else
  echo ntp_source=none
fi`;

export const INVENTORY = `echo '=== addr'; ip -j -d addr show
echo '=== route'; ip -j route show default
echo '=== hostname'; hostname`;

/**
 * $1 MTU (number or "auto": the MTU of the device the route to each peer uses), $2 ports
 * (comma-separated), $3 addresses that should be free (comma-separated), then pairs
 * "<peer index> <peer address>". Peers are measured in parallel; output is printed in order.
 */
export const MATRIX = `mtu=$1; ports=$2; probes=$3; shift 3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
tcp() {
  if ! command -v bash >/dev/null 2>&1; then echo unknown; return; fi
  e=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then echo open
  elif [ $rc -eq 124 ]; then echo filtered
  else case $e in *refused*) echo refused ;; *) echo filtered ;; esac
  fi
}
peer() {
  echo "=== peer $1 $2"
  echo "-- rs:ping"
  ping -c 10 -i 0.2 -W 1 -q "$2" 2>&1
  m=$mtu
  if [ "$m" = auto ]; then
    dev=$(ip route get "$2" 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n 1)
    m=$(cat "/sys/class/net/$dev/mtu" 2>/dev/null || echo 1500)
  fi
  echo "-- rs:mtu $m"
  ping -M do -s $((m - 28)) -c 3 -i 0.2 -W 1 -q "$2" 2>&1
  for p in $(echo "$ports" | tr ',' ' '); do echo "-- rs:port $p $(tcp "$2" "$p")"; done
}
probe() {
  echo "=== probe $1"
  ping -c 2 -i 0.2 -W 1 -q "$1" >/dev/null 2>&1
  echo "-- rs:ping-exit $?"
  ip -j neigh show to "$1" 2>/dev/null; echo
}
k=0
for a in $(echo "$probes" | tr ',' ' '); do k=$((k + 1)); probe "$a" > "$tmp/v$k" & done
while [ $# -ge 2 ]; do peer "$1" "$2" > "$tmp/p$1" & shift 2; done
gw=$(ip route show default 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "via") { print $(i + 1); exit } }')
if [ -n "$gw" ]; then
  { echo "=== gateway $gw"; ping -c 3 -i 0.2 -W 1 -q "$gw" 2>&1; } > "$tmp/g" &
fi
if command -v arping >/dev/null 2>&1; then
  ip -o -4 addr show scope global | awk '{ split($4, a, "/"); print $2, a[1] }' | while read -r dev addr; do
    arping -D -q -c 2 -w 3 -I "$dev" "$addr" >/dev/null 2>&1
    echo "=== dad $addr $?"
  done > "$tmp/d" &
else
  echo "=== dad-unavailable" > "$tmp/d"
fi
wait
cat "$tmp"/p* "$tmp"/v* "$tmp"/g "$tmp"/d 2>/dev/null
echo "=== neigh"
ip -j neigh show`;

/** $1 DNS server, then pairs "<name> <address>": forward (A) and reverse (PTR) answers. */
export const DNS = `server=$1; shift
if command -v dig >/dev/null 2>&1; then tool=dig
elif command -v host >/dev/null 2>&1; then tool=host
else echo tool=none; exit 0; fi
echo "tool=$tool"
while [ $# -ge 2 ]; do
  if [ $tool = dig ]; then
    f=$(dig +short +time=2 +tries=1 "@$server" "$1" A 2>/dev/null | tr '\\n' ' ')
    r=$(dig +short +time=2 +tries=1 "@$server" -x "$2" 2>/dev/null | tr '\\n' ' ')
  else
    f=$(host -W 2 -t A "$1" "$server" 2>/dev/null | sed -n 's/.* has address //p' | tr '\\n' ' ')
    r=$(host -W 2 "$2" "$server" 2>/dev/null | sed -n 's/.* domain name pointer //p' | tr '\\n' ' ')
  fi
  printf 'fwd %s = %s\\nrev %s = %s\\n' "$1" "$f" "$2" "$r"
  shift 2
done`;
