# shellcheck shell=bash disable=SC2034  # settings are used by the scripts that source this file
# Shared settings and helpers for the Rackside lab (sourced by scripts/lab/lab).
#
# Everything the lab creates on the host carries the "rsl-" prefix (netns, veths, bridge) or lives
# under $LAB_STATE / $LAB_CACHE, so `lab down` can remove exactly what `lab up` made.

LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

# --- instance -------------------------------------------------------------------------------------
# Several labs can run side by side (e.g. a benchmark's 32 nodes next to the tests' 4):
# RACKSIDE_LAB_INSTANCE=K (0-99) gets its own prefix, /24 and state folder. 0 is the default lab.
LAB_INSTANCE=${RACKSIDE_LAB_INSTANCE:-0}
case $LAB_INSTANCE in
  [0-9] | [1-9][0-9]) ;;
  *) printf 'lab: error: RACKSIDE_LAB_INSTANCE must be a number from 0 to 99, not "%s"\n' "$LAB_INSTANCE" >&2; exit 1 ;;
esac
LAB_SUFFIX=${LAB_INSTANCE#0}

# --- locations ------------------------------------------------------------------------------------
LAB_STATE=${RACKSIDE_LAB_STATE:-/var/lib/rackside-lab${LAB_SUFFIX:+-$LAB_SUFFIX}}   # per-node upper dirs, keys, logs, pids, disks
LAB_CACHE=${RACKSIDE_LAB_CACHE:-/var/cache/rackside-lab} # debootstrap rootfs + local apt repository
LAB_ROOTFS=$LAB_CACHE/rootfs
LAB_REPO=$LAB_CACHE/repo
LAB_KEY=$LAB_STATE/keys/id_ed25519

# --- network --------------------------------------------------------------------------------------
LAB_PFX=rsl$LAB_SUFFIX            # interface names stay within 15 characters: rsl99-h200
LAB_BR=$LAB_PFX-br0
LAB_NET=198.18.$LAB_INSTANCE      # a /24 inside 198.18.0.0/15 (RFC 2544 benchmarking range)
LAB_GW=$LAB_NET.1                # bridge address = the nodes' gateway, DNS and apt repository host
LAB_REPO_PORT=8080
LAB_MAX_NODES=200

# --- nodes ----------------------------------------------------------------------------------------
# Throwaway credential for root and user "lab" on every lab node. Lab only, never for real servers.
LAB_PASSWORD=rackside-lab
LAB_DISK_SIZE=256M
LAB_DEFAULT_NODES=4

# --- rootfs ---------------------------------------------------------------------------------------
LAB_SUITE=bookworm
LAB_ROOTFS_PACKAGES=openssh-server,iproute2,iputils-ping,procps,util-linux,lvm2,mdadm,sudo,python3,dmidecode,ca-certificates,less,kmod,lsb-release,ethtool,pciutils,lshw
# Bump LAB_ROOTFS_VERSION whenever rootfs_prepare (rootfs.sh) changes: the stamp keys the cache.
LAB_ROOTFS_VERSION=1
LAB_ROOTFS_STAMP="v$LAB_ROOTFS_VERSION $LAB_SUITE minbase $LAB_ROOTFS_PACKAGES"
# Packages the rootfs lacks, served by the local apt repository (model of an offline bundle):
# the hardware tools, then every package the cluster profiles install (master install), then the
# service manager systemd mode adds to the nodes (its layer is installed from this repository).
LAB_REPO_PACKAGES="smartmontools chrony jq nvme-cli"
LAB_REPO_PACKAGES+=" pacemaker pacemaker-cli-utils resource-agents fence-agents ipmitool corosync pcs keepalived slurm-wlm slurmctld slurmd munge prometheus prometheus-node-exporter haproxy nftables"
LAB_SYSTEMD_PACKAGES="systemd systemd-sysv dbus"
LAB_REPO_PACKAGES+=" $LAB_SYSTEMD_PACKAGES"
# systemd mode: a cached overlay layer with the service manager, between the rootfs and each
# node's upper dir (systemd-layer.sh; keyed by a hash of that script and the rootfs stamp).
LAB_SYSTEMD_LAYER=$LAB_CACHE/layer-systemd
LAB_MODES="chroot systemd"

# --- helpers --------------------------------------------------------------------------------------
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 || echo python3)

log()  { printf 'lab: %s\n' "$*" >&2; }
warn() { printf 'lab: warning: %s\n' "$*" >&2; }
die()  { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

node_ip()      { echo "$LAB_NET.$((10 + $1))"; }
node_ns()      { echo "$LAB_PFX-node$1"; }
node_dir()     { echo "$LAB_STATE/node$1"; }
node_veth_host() { echo "$LAB_PFX-h$1"; }
node_veth_node() { echo "$LAB_PFX-c$1"; }

# Number of nodes of the current lab (0 when down).
lab_nodes() { cat "$LAB_STATE/nodes" 2>/dev/null || echo 0; }

# Host PID of process $1 if it is still the process we started (checks its command line for $2).
pid_alive() {
  local pid=$1 pattern=$2
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$pattern"
}

# Host PID of node $1's PID 1 (the node init), empty when the node is not running.
node_init_pid() {
  local d launcher child
  d=$(node_dir "$1")
  launcher=$(cat "$d/launcher.pid" 2>/dev/null) || return 0
  pid_alive "$launcher" "unshare" || return 0
  child=$(awk '{ print $1 }' "/proc/$launcher/task/$launcher/children" 2> /dev/null)
  [ -n "$child" ] && echo "$child"
  return 0
}

node_running() { [ -n "$(node_init_pid "$1")" ]; }

# True when TCP port $2 on $1 accepts a connection.
tcp_open() { timeout 0.5 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# Wait up to $3 seconds (default 30) for TCP port $2 on $1.
wait_tcp() {
  local host=$1 port=$2 deadline=$((EPOCHSECONDS + ${3:-30}))
  until tcp_open "$host" "$port"; do
    [ "$EPOCHSECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# Validate a node number given on the command line against the running lab.
require_node() {
  local i=${1:-} n
  [[ $i =~ ^[0-9]+$ ]] || die "expected a node number, got '${i}'"
  n=$(lab_nodes)
  [ "$n" -gt 0 ] || die "the lab is down (run: lab up)"
  if [ "$i" -lt 1 ] || [ "$i" -gt "$n" ]; then die "node $i does not exist (the lab has nodes 1..$n)"; fi
  node_running "$i" || die "node$i is not running (run: lab down && lab up)"
}

require_root() {
  [ "$(uname -s)" = Linux ] || die "the lab needs Linux (network namespaces, overlayfs, loop devices)"
  [ "$(id -u)" = 0 ] || die "the lab needs root (try: sudo npm run lab -- $*)"
}

# Each CMD:PACKAGE given must be on the PATH; otherwise die naming what is missing and the
# apt-get line that installs it (shared by the namespace lab and the VM lab).
need_commands() {
  local missing=() pkgs=() entry cmd pkg
  for entry in "$@"; do
    cmd=${entry%%:*}; pkg=${entry#*:}
    command -v "$cmd" > /dev/null 2>&1 && continue
    missing+=("$cmd"); [[ " ${pkgs[*]} " == *" $pkg "* ]] || pkgs+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] ||
    die "missing command(s): ${missing[*]} -- install with: apt-get install ${pkgs[*]}"
}

# Commands the lab needs, with the Debian package that provides each.
require_commands() {
  need_commands ip:iproute2 bridge:iproute2 debootstrap:debootstrap unshare:util-linux nsenter:util-linux \
               setpriv:util-linux flock:util-linux losetup:mount mount:mount python3:python3 \
               dpkg-scanpackages:dpkg-dev apt-get:apt ssh-keygen:openssh-client openssl:openssl \
               timeout:coreutils truncate:coreutils
}

# Serialise lab commands that change state (up/down/sshd/...).
lab_lock() {
  mkdir -p "$LAB_STATE"
  exec 9> "$LAB_STATE/.lock"
  flock -w 600 9 || die "another lab command holds $LAB_STATE/.lock"
}

# The Debian mirror this machine's apt already uses (never hard-coded).
apt_mirror() {
  if [ -n "${RACKSIDE_LAB_MIRROR:-}" ]; then echo "$RACKSIDE_LAB_MIRROR"; return; fi
  local f uri
  # deb822 sources: first stanza that carries the plain suite
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk -v suite="$LAB_SUITE" '
      /^[[:space:]]*$/ { if (u != "" && s) { print u; exit } u = ""; s = 0; next }
      /^URIs:/   { u = $2 }
      /^Suites:/ { for (k = 2; k <= NF; k++) if ($k == suite) s = 1 }
      END        { if (u != "" && s) print u }' "$f" | head -n 1)
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  # one-line sources
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk -v suite="$LAB_SUITE" '$1 == "deb" { for (k = 2; k < NF; k++) if ($k !~ /^\[/ && $(k + 1) == suite) { print $k; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  return 1
}
