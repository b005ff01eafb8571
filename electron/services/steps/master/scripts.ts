/**
 * The master install's host scripts. Each is fixed text; every value arrives as a positional
 * parameter (quoted by ssh/quote.ts), so nothing from the project is ever pasted into shell text.
 * Scripts that change something take `check` or `apply` as $1: the same script is the action's
 * "already done?" probe (`check`: exit 0 when the wanted state is in place, without touching
 * anything) and its command (`apply`), so the two can never disagree about what "done" means.
 */

/** Where the firewall's apply/rollback state lives on the node (tmpfs: gone after a reboot, like an unconfirmed apply). */
export const FW_DIR = '/run/rackside/fw';
export const VRRP_SECRET_FILE = '/etc/keepalived/rackside-vrrp.secret';
export const ADMIN_KEY = '/root/.ssh/id_ed25519';

/**
 * A whole file Rackside owns. $1 check|apply, $2 path, $3 content, $4 mode (octal), $5 unit to
 * enable and (re)start when the file changes or the unit is not running ('' none), $6 hook after a
 * change: `apt-update`, `sysctl` (load the file; `check` also compares every key's live value), ''.
 * The first change keeps the original as `<path>.rackside-orig`.
 */
export const MANAGED_FILE = `set -eu
mode=$1 path=$2 content=$3 perm=$4 unit=$5 hook=$6
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
printf '%s' "$content" > "$tmp"
same=0; cmp -s "$tmp" "$path" && same=1
live_sysctl_ok() {
  while IFS='=' read -r k v; do
    k=$(echo "$k" | tr -d ' '); v=$(echo "$v" | sed 's/^ *//; s/ *$//')
    case "$k" in ''|'#'*) continue;; esac
    [ "$(sysctl -n "$k" 2>/dev/null | tr -s '\\t ' ' ')" = "$v" ] || return 1
  done < "$path"
}
unit_ok() { [ -z "$unit" ] || { systemctl is-enabled --quiet "$unit" && systemctl is-active --quiet "$unit"; }; }
if [ "$mode" = check ]; then
  [ "$same" = 1 ] || exit 1
  [ "$hook" != sysctl ] || live_sysctl_ok || exit 1
  unit_ok || exit 1
  exit 0
fi
changed=0
if [ "$same" = 0 ]; then
  mkdir -p "$(dirname "$path")"
  [ ! -e "$path" ] || [ -e "$path.rackside-orig" ] || cp -p "$path" "$path.rackside-orig"
  cat "$tmp" > "$path.rackside-new"; chmod "$perm" "$path.rackside-new"; mv -f "$path.rackside-new" "$path"
  changed=1
fi
case "$hook" in
  apt-update) [ "$changed" = 0 ] || apt-get update -q ;;
  sysctl) sysctl -p "$path" ;;
esac
if [ -n "$unit" ]; then
  systemctl enable --quiet "$unit"
  if [ "$changed" = 1 ] || ! systemctl is-active --quiet "$unit"; then systemctl restart "$unit"; fi
fi
echo "$path: $([ "$changed" = 1 ] && echo written || echo unchanged)"`;

/** Shell function: how many of the packages named as its arguments dpkg has installed (`ii`). */
export const INSTALLED_COUNT = `installed_count() { dpkg-query -W -f='\${db:Status-Abbrev}\\n' "$@" 2>/dev/null | grep -c '^ii' || true; }`;

/** $1 check|apply, then the packages. Installs without Recommends, as the lab's repository holds none. */
export const PACKAGES = `set -eu
${INSTALLED_COUNT}
mode=$1; shift
if [ "$mode" = check ]; then [ "$(installed_count "$@")" -eq "$#" ]; exit; fi
[ -d /var/lib/apt/lists ] && ls /var/lib/apt/lists/*Packages >/dev/null 2>&1 || apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
echo "installed: $*"`;

/** $1 check|apply, then units that must be enabled and running (installed by the package step). */
export const SERVICES = `set -eu
mode=$1; shift
for u in "$@"; do
  if systemctl is-enabled --quiet "$u" && systemctl is-active --quiet "$u"; then continue; fi
  [ "$mode" = apply ] || exit 1
  systemctl enable --now --quiet "$u"
done`;

/** The node's own admin key: generated once, on the node; only the public half is printed. */
export const ADMIN_KEY_CHECK = `[ -s "$1" ] && [ -s "$1.pub" ]`;
export const ADMIN_KEY_MAKE = `set -eu
umask 077; mkdir -p "$(dirname "$1")"
[ -s "$1" ] && [ -s "$1.pub" ] || ssh-keygen -q -t ed25519 -N '' -C "rackside-admin@$(hostname)" -f "$1"
cat "$1.pub"`;
export const ADMIN_KEY_READ = `cat "$1.pub"`;

/** $1 the names (comma-separated): the node's known_hosts line for its ed25519 host key. */
export const HOST_KEY_LINE = `set -eu
set -- "$1" $(cat /etc/ssh/ssh_host_ed25519_key.pub)
printf '%s %s %s\\n' "$1" "$2" "$3"`;
export const HOST_KEY_CHECK = `[ -s /etc/ssh/ssh_host_ed25519_key.pub ]`;

export const MESH_BEGIN = '# BEGIN rackside cluster admin keys (managed by Rackside)';
export const MESH_END = '# END rackside cluster admin keys';

/**
 * The key mesh on one node. $1 check|apply, then every node's public admin key, then `--`, then
 * every node's known_hosts line. A managed block in root's authorized_keys and in
 * /etc/ssh/ssh_known_hosts; lines outside the blocks (the technician's own key) are kept.
 */
export const KEY_MESH = `set -eu
mode=$1; shift
keys=''; hosts=''; part=k
for a in "$@"; do
  if [ "$a" = -- ]; then part=h; continue; fi
  if [ $part = k ]; then keys="$keys$a
"; else hosts="$hosts$a
"; fi
done
rc=0
block() { # $1 file, $2 lines, $3 perm
  tmp=$(mktemp)
  { [ -e "$1" ] && awk -v b='${MESH_BEGIN}' -v e='${MESH_END}' '$0 == b { s = 1; next } $0 == e { s = 0; next } !s' "$1"; true; } > "$tmp"
  printf '%s\\n%s%s\\n' '${MESH_BEGIN}' "$2" '${MESH_END}' >> "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 0; fi
  if [ "$mode" = check ]; then rm -f "$tmp"; rc=1; return 0; fi
  mkdir -p "$(dirname "$1")"; chmod "$3" "$tmp"; mv -f "$tmp" "$1"; echo "written: $1"
}
umask 077; mkdir -p /root/.ssh
block /root/.ssh/authorized_keys "$keys" 600
block /etc/ssh/ssh_known_hosts "$hosts" 644
exit $rc`;

/**
 * Debian's chrony.conf follows a public pool; a cluster follows the plan's servers (masters) and
 * the masters (workers) only. $1 check|apply. The pool lines are commented out, marked, not deleted.
 */
export const CHRONY_NO_POOL = `set -eu
f=/etc/chrony/chrony.conf
grep -q '^pool ' "$f" || exit 0
[ "$1" = apply ] || exit 1
sed -i 's/^pool /#rackside-disabled: pool /' "$f"
systemctl restart chrony`;

/**
 * The VRRP secret, made once on the first master and kept there (0600): a re-run or a resume
 * reads it back, never makes a new one. PASS authentication uses at most 8 characters.
 */
export const VRRP_SECRET_MAKE = `set -eu
f=$1; umask 077; mkdir -p "$(dirname "$f")"
[ -s "$f" ] || { tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 8 > "$f"; }
cat "$f"`;
export const VRRP_SECRET_CHECK = `[ -s "$1" ]`;
export const VRRP_SECRET_READ = `cat "$1"`;

/**
 * keepalived on one VIP candidate, built on the node so the secret is never part of a plan.
 * $1 check|apply, $2 router id, $3 VIP, $4 priority, $5 this node's address, then the peers'
 * addresses; the secret is the first line of stdin (never an argument: /proc/<pid>/cmdline is
 * world-readable; the heredoc below is the shell's own, no process gets it as an argument). The
 * interface and prefix are those of the node's own address.
 */
export const KEEPALIVED = `set -eu
mode=$1 rid=$2 vip=$3 prio=$4 src=$5; shift 5
IFS= read -r secret
addr() { ip -o -4 addr show | awk -v a="$src" -v k="$1" '{ split($4, p, "/"); if (p[1] == a) { print (k == "dev" ? $2 : p[2]); exit } }'; }
dev=$(addr dev); prefix=$(addr prefix)
[ -n "$dev" ] || { echo "no interface has address $src" >&2; exit 2; }
peers=''
for p in "$@"; do peers="$peers    $p
"; done
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT; chmod 600 "$tmp"
cat > "$tmp" <<EOF
# Managed by Rackside: the cluster VIP (VRRP, unicast peers).
global_defs {
  router_id $(hostname)
  enable_script_security
}
vrrp_instance rackside {
  state BACKUP
  interface $dev
  virtual_router_id $rid
  priority $prio
  advert_int 1
  unicast_src_ip $src
  unicast_peer {
$peers  }
  authentication {
    auth_type PASS
    auth_pass $secret
  }
  virtual_ipaddress {
    $vip/$prefix dev $dev
  }
}
EOF
f=/etc/keepalived/keepalived.conf
if cmp -s "$tmp" "$f" && systemctl is-enabled --quiet keepalived && systemctl is-active --quiet keepalived; then exit 0; fi
[ "$mode" = apply ] || exit 1
changed=0
if ! cmp -s "$tmp" "$f"; then mkdir -p /etc/keepalived; mv -f "$tmp" "$f"; changed=1; fi
systemctl enable --quiet keepalived
if [ $changed = 1 ] || ! systemctl is-active --quiet keepalived; then systemctl restart keepalived; fi
echo "keepalived: priority $prio on $dev"`;

/**
 * The firewall, applied like the addressing step's network change (steps/network/addressing.ts):
 * the node saves its current rules, starts a timer detached from this SSH session that restores
 * them unless `confirmed` appears in time, then loads the new rules. $1 dir, $2 the rule set,
 * $3 seconds. The rules go to /etc/nftables.conf only when confirmed (FIREWALL_CONFIRM).
 */
export const FIREWALL_APPLY = `set -eu
d=$1 rules=$2 t=$3
umask 077; mkdir -p "$d"
printf '%s' "$rules" > "$d/new.nft"
nft -c -f "$d/new.nft"
# A re-apply while an earlier one still waits for its confirmation keeps that one's saved rules.
if [ "$(cat "$d/state" 2>/dev/null)" = applied ] && [ ! -e "$d/confirmed" ] && kill -0 "$(cat "$d/timer.pid" 2>/dev/null)" 2>/dev/null; then
  kill "$(cat "$d/timer.pid")"
else
  { echo 'flush ruleset'; nft list ruleset; } > "$d/old.nft"
fi
rm -f "$d/confirmed" "$d/state"
setsid sh -c 'sleep "$2"; if [ ! -e "$1/confirmed" ]; then nft -f "$1/old.nft" > "$1/rollback.log" 2>&1; echo rolled-back > "$1/state"; fi' sh "$d" "$t" < /dev/null > /dev/null 2>&1 &
echo $! > "$d/timer.pid"
nft -f "$d/new.nft"
echo applied > "$d/state"
echo "applied; the node restores its previous rules in $t s unless confirmed"`;

/**
 * Confirming: reached over SSH after the new rules are in, so SSH still works. Stops the timer and
 * makes the rules persistent (/etc/nftables.conf, nftables.service enabled). $1 dir.
 */
export const FIREWALL_CONFIRM = `set -eu
d=$1
[ "$(cat "$d/state" 2>/dev/null)" = applied ] || { echo "state=$(cat "$d/state" 2>/dev/null || echo none)" >&2; exit 3; }
touch "$d/confirmed"
kill "$(cat "$d/timer.pid")" 2>/dev/null || true
f=/etc/nftables.conf
[ ! -e "$f" ] || [ -e "$f.rackside-orig" ] || cp -p "$f" "$f.rackside-orig"
cat "$d/new.nft" > "$f.rackside-new"; chmod 755 "$f.rackside-new"; mv -f "$f.rackside-new" "$f"
systemctl enable --quiet nftables
echo confirmed`;

/**
 * Done when the persistent rules are these, nftables.service will load them at boot and the
 * loaded table is ours. $1 the rule set, $2 the table name.
 */
export const FIREWALL_CHECK = `set -eu
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
printf '%s' "$1" > "$tmp"
cmp -s "$tmp" /etc/nftables.conf && systemctl is-enabled --quiet nftables && nft list table inet "$2" > /dev/null 2>&1`;

/**
 * Read-only, for the report's as-built platform: $@ the host's packages. Sections: every package's
 * installed version, the time sources chrony uses now (`^*` selected, `^+`/`^-` others).
 */
export const AS_BUILT = `printf '== packages\\n'
dpkg-query -W -f='\${Package} \${Version}\\n' "$@" 2>/dev/null || true
printf '== chrony\\n'
chronyc -n sources 2>/dev/null | awk '/^\\^/ { print $1, $2 }' || true`;
