/**
 * The Pacemaker/Corosync profile's host scripts (pacemaker.ts). Like scripts.ts: fixed text, every
 * value a positional parameter, and the scripts that change something take `check` or `apply` as
 * $1, so the probe and the command share one definition of "done".
 */

/** The hacluster password, made once on the first master and kept there (0600). */
export const HACLUSTER_SECRET_FILE = '/etc/rackside/hacluster.secret';

/** pcs names the VIP resource so; a re-run finds it by this id. */
export const VIP_RESOURCE = 'rackside-vip';

/**
 * Shared head of scripts taking pairs \`name address\` as their remaining parameters: leaves them as
 * \`name addr=address\` (pcs' syntax), $names the names (host names: no blanks), $n how many.
 */
const PAIRS = `names=''; n=0; k=$(( $# / 2 ))
while [ "$n" -lt "$k" ]; do names="$names $1"; set -- "$@" "$1" "addr=$2"; shift 2; n=$((n + 1)); done`;

export const HACLUSTER_SECRET_MAKE = `set -eu
f=$1; umask 077; mkdir -p "$(dirname "$f")"
[ -s "$f" ] || { tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 24 > "$f"; }
cat "$f"`;
export const HACLUSTER_SECRET_CHECK = `[ -s "$1" ]`;
export const HACLUSTER_SECRET_READ = `cat "$1"`;

/**
 * Debian starts corosync + pacemaker with a one-node configuration at install, and pcs refuses to
 * set up or add a node that "seems to be in a cluster already": that default is destroyed. $1
 * check|apply, $2 our cluster name, $3 the first master's address. Done when there is no
 * corosync.conf or it is ours (our name and the first master's address in its node list), so a
 * member of the running cluster is never destroyed.
 */
export const DEFAULT_CLUSTER = `set -eu
mode=$1 name=$2 first=$3
f=/etc/corosync/corosync.conf
ours() { grep -Eq "^[[:space:]]*cluster_name:[[:space:]]*$name[[:space:]]*$" "$f" && grep -Eq "^[[:space:]]*ring0_addr:[[:space:]]*$first[[:space:]]*$" "$f"; }
if [ ! -e "$f" ] || ours; then exit 0; fi
[ "$mode" = apply ] || exit 1
pcs cluster destroy --force
echo "default cluster destroyed"`;

/**
 * The hacluster user's password (pcs authenticates nodes with it). $1 check|apply; the password is
 * the first line of stdin (never an argument: /proc/<pid>/cmdline is world-readable). The check
 * compares with /etc/shadow (crypt of the password with the stored salt), so a re-run neither
 * re-sets it nor needs it anywhere but on the node; perl gets the password and the hash on its
 * stdin from the shell's builtin printf, so neither is in any process's argv.
 */
export const HACLUSTER_PASSWORD = `set -eu
mode=$1
IFS= read -r pw
h=$(awk -F: '$1 == "hacluster" { print $2 }' /etc/shadow)
if [ -n "$h" ] && printf '%s\\n%s\\n' "$pw" "$h" | perl -e 'chomp(my $p = <STDIN>); chomp(my $h = <STDIN>); exit(crypt($p, $h) eq $h ? 0 : 1)'; then exit 0; fi
[ "$mode" = apply ] || exit 1
printf 'hacluster:%s\\n' "$pw" | chpasswd
echo "hacluster password set"`;

/**
 * \`pcs host auth\` of nodes from this one. $1 check|apply, then pairs name address; the hacluster
 * password is the first line of stdin (apply only). Done when pcsd answers "Online" for every name
 * (the token works). Without \`-p\` and with no tty, pcs reads the password as a line of its stdin
 * (pcs utils.get_terminal_password), so it is never in pcs's argv.
 */
export const HOST_AUTH = `set -eu
mode=$1; shift
${PAIRS}
online() { [ "$(pcs status pcsd $names 2>/dev/null | grep -c ': Online$' || true)" -eq "$n" ]; }
if online; then exit 0; fi
[ "$mode" = apply ] || exit 1
IFS= read -r pw
printf '%s\\n' "$pw" | pcs host auth -u hacluster "$@"`;

/**
 * \`pcs cluster setup\` on the first master. $1 check|apply, $2 cluster name, $3 the first master's
 * address, then pairs name address (the masters). Done when corosync.conf is ours.
 */
export const CLUSTER_SETUP = `set -eu
mode=$1 name=$2 first=$3; shift 3
f=/etc/corosync/corosync.conf
if [ -e "$f" ] && grep -Eq "^[[:space:]]*cluster_name:[[:space:]]*$name[[:space:]]*$" "$f" && grep -Eq "^[[:space:]]*ring0_addr:[[:space:]]*$first[[:space:]]*$" "$f"; then exit 0; fi
[ "$mode" = apply ] || exit 1
${PAIRS}
pcs cluster setup "$name" "$@"`;

/**
 * Waits (bounded, $2 seconds) until this node's Pacemaker sees a DC and a partition with quorum.
 * $1 check|apply: check looks once.
 */
export const QUORUM_WAIT = `set -eu
mode=$1 t=$2
ok() { crm_mon -1 2>/dev/null | grep -q 'partition with quorum'; }
if ok; then exit 0; fi
[ "$mode" = apply ] || exit 1
end=$(( $(date +%s) + t ))
while [ "$(date +%s)" -lt "$end" ]; do ok && { echo quorate; exit 0; }; sleep 1; done
crm_mon -1 >&2 || true; corosync-quorumtool -s >&2 || true
echo "no quorum within $t s" >&2; exit 1`;

/** Cluster properties. $1 check|apply, then pairs name value. */
export const PROPERTIES = `set -eu
mode=$1; shift
rc=0
while [ $# -ge 2 ]; do
  cur=$(crm_attribute --type crm_config --name "$1" --query --quiet 2>/dev/null || true)
  if [ "$cur" != "$2" ]; then
    if [ "$mode" = apply ]; then crm_attribute --type crm_config --name "$1" --update "$2"; echo "$1=$2"; else rc=1; fi
  fi
  shift 2
done
exit $rc`;

/**
 * The VIP as an ocf:heartbeat:IPaddr2 resource (IPaddr2 finds the interface and prefix of the
 * node address in the VIP's subnet), preferring the masters: a location constraint of score 100
 * per master, so the VIP stays on a master while one is up and never wanders to a worker that
 * joins (CI: with no preference Pacemaker placed it on node3, a worker, after the joins); a worker
 * still takes it when no master can. $1 check|apply, $2 resource id, $3 VIP, $4 seconds to wait
 * until it runs, then the masters' node names. Done when the resource exists with this address
 * and every master has its constraint.
 */
export const VIP = `set -eu
mode=$1 id=$2 vip=$3 t=$4
shift 4
cur=$(crm_resource --resource "$id" --get-parameter ip 2>/dev/null || true)
missing=
for n in "$@"; do
  cibadmin --query --xpath "//rsc_location[@rsc='$id' and @node='$n']" > /dev/null 2>&1 || missing="$missing $n"
done
if [ "$cur" = "$vip" ] && [ -z "$missing" ]; then exit 0; fi
[ "$mode" = apply ] || exit 1
if [ "$cur" != "$vip" ]; then
  if crm_resource --resource "$id" --query-xml > /dev/null 2>&1; then
    pcs resource update "$id" ip="$vip"
  else
    pcs resource create "$id" ocf:heartbeat:IPaddr2 ip="$vip" op monitor interval=5s
  fi
fi
for n in $missing; do pcs constraint location "$id" prefers "$n=100"; done
end=$(( $(date +%s) + t ))
while [ "$(date +%s)" -lt "$end" ]; do
  crm_resource --resource "$id" --locate 2>/dev/null | grep -q 'is running on' && { crm_resource --resource "$id" --locate; exit 0; }
  sleep 1
done
echo "$id did not start within $t s" >&2; crm_mon -1 >&2 || true; exit 1`;

/**
 * \`pcs cluster node add\` from the first master. $1 check|apply, $2 name, $3 address. Done when
 * the name is in the cluster's node list (corosync.conf, which pcs keeps the same on every node).
 */
export const NODE_ADD = `set -eu
mode=$1 name=$2 addr=$3
grep -Eq "^[[:space:]]*name:[[:space:]]*$name[[:space:]]*$" /etc/corosync/corosync.conf && exit 0
[ "$mode" = apply ] || exit 1
pcs cluster node add "$name" addr="$addr" --start --enable
echo "$name added"`;

/**
 * \`pcs cluster node remove\` from the first master (pcs also destroys the node's cluster
 * configuration; it refuses when the rest would lose quorum), then the name out of Pacemaker's node
 * list. $1 check|apply, $2 name. Done when the name is neither in corosync.conf nor in \`crm_node -l\`.
 */
export const NODE_REMOVE = `set -eu
mode=$1 name=$2
inconf() { grep -Eq "^[[:space:]]*name:[[:space:]]*$name[[:space:]]*$" /etc/corosync/corosync.conf; }
listed() { crm_node -l 2>/dev/null | awk -v n="$name" '$2 == n { f = 1 } END { exit !f }'; }
if ! inconf && ! listed; then exit 0; fi
[ "$mode" = apply ] || exit 1
if inconf; then pcs cluster node remove "$name"; fi
# pcs leaves the node in Pacemaker's node list as "lost", and crm_node refuses to purge it while the
# membership still holds it (ci 27: still listed right after the remove): retried, bounded.
end=$(( $(date +%s) + 60 ))
while listed; do
  crm_node --force --remove "$name" > /dev/null 2>&1 || true
  listed || break
  [ "$(date +%s)" -lt "$end" ] || { crm_node -l >&2 || true; echo "$name still in Pacemaker's node list 60 s after its removal" >&2; exit 1; }
  sleep 1
done
echo "$name removed"`;

/** Waits (bounded, $3 seconds) until Pacemaker on this node lists $2 as a member. $1 check|apply. */
export const NODE_SEEN = `set -eu
mode=$1 name=$2 t=$3
seen() { crm_node -l 2>/dev/null | awk -v n="$name" '$2 == n && $3 == "member" { f = 1 } END { exit !f }'; }
if seen; then exit 0; fi
[ "$mode" = apply ] || exit 1
end=$(( $(date +%s) + t ))
while [ "$(date +%s)" -lt "$end" ]; do seen && { echo "$name: member"; exit 0; }; sleep 1; done
crm_node -l >&2 || true; echo "$name not a member within $t s" >&2; exit 1`;

/** A node that left: its cluster services stopped and disabled. $1 check|apply. */
export const SERVICES_OFF = `set -eu
mode=$1
for u in pacemaker corosync; do
  if systemctl is-active --quiet "$u" || systemctl is-enabled --quiet "$u" 2>/dev/null; then
    [ "$mode" = apply ] || exit 1
    systemctl disable --now --quiet "$u"
  fi
done`;

/** The members as the first master's Pacemaker sees them: \`<name> <state>\` a line. */
export const MEMBERS = `crm_node -l | awk '{ print $2, $3 }'`;

/** Where each node keeps the BMC passwords its fence devices read (root only; one file per fenced node). */
export const BMC_SECRET_DIR = '/etc/rackside/bmc';

/**
 * The BMC passwords of the fenced nodes on this node, for fence_ipmilan's `password_script` (the
 * password is then in neither an argv nor the CIB). $1 check|apply, then the fenced nodes' names;
 * stdin: their passwords, one line each, in the same order. Done when every file holds its line and
 * no file is left for a node not named (one that left the cluster).
 */
export const BMC_SECRETS = `set -eu
mode=$1; shift
d=${BMC_SECRET_DIR}
umask 077
rc=0
for name in "$@"; do
  IFS= read -r pw || pw=''
  f="$d/$name.secret"
  if [ -f "$f" ] && [ "$(cat "$f")" = "$pw" ]; then continue; fi
  if [ "$mode" != apply ]; then rc=1; continue; fi
  mkdir -p "$d"
  printf '%s' "$pw" > "$f.tmp"
  mv "$f.tmp" "$f"
  echo "$f written"
done
for f in "$d"/*.secret; do
  [ -e "$f" ] || continue
  n=\${f##*/}; n=\${n%.secret}; keep=0
  for name in "$@"; do [ "$name" = "$n" ] && keep=1; done
  [ "$keep" = 1 ] && continue
  if [ "$mode" != apply ]; then rc=1; continue; fi
  rm -f "$f"
  echo "$f removed"
done
exit $rc`;

/** A node that left: the BMC passwords it kept for the others' fence devices removed. $1 check|apply. */
export const BMC_FORGET = `set -eu
mode=$1
[ -e ${BMC_SECRET_DIR} ] || exit 0
[ "$mode" = apply ] || exit 1
rm -rf ${BMC_SECRET_DIR}
echo "${BMC_SECRET_DIR} removed"`;

/**
 * A fence_ipmilan stonith device for one node (\`fence-<name>\`), made on the first master. $1
 * check|apply, $2 the node's name, $3 BMC address, $4 BMC port, $5 BMC user. The password is read
 * by the agent from BMC_SECRET_DIR/<name>.secret on whichever node runs it (password_script).
 * lanplus with cipher suite 3, which BMCs of the last decade and the lab's ipmi_sim all accept.
 * Done when the device exists.
 */
export const FENCE_DEVICE = `set -eu
mode=$1 name=$2 ip=$3 port=$4 user=$5
pcs stonith config "fence-$name" > /dev/null 2>&1 && exit 0
[ "$mode" = apply ] || exit 1
pcs stonith create "fence-$name" fence_ipmilan ip="$ip" ipport="$port" username="$user" lanplus=1 cipher=3 \\
  password_script="cat ${BMC_SECRET_DIR}/$name.secret" pcmk_host_list="$name" op monitor interval=60s
echo "fence-$name created"`;

/** Removes a node's stonith device (its node leaves). $1 check|apply, $2 the node's name. */
export const FENCE_DEVICE_REMOVE = `set -eu
mode=$1 name=$2
pcs stonith config "fence-$name" > /dev/null 2>&1 || exit 0
[ "$mode" = apply ] || exit 1
pcs stonith delete "fence-$name"`;

/*
 * Step 7's checks (pacemaker-verify.ts): read-only, exit 0 whatever they find (the finding comes
 * from the captured output; a failed check would stop the checks after it on the host).
 */

/** The cluster as this node's Pacemaker sees it: nodes, resources, failed actions, cluster options. */
export const PCM_VERIFY_STATUS = `crm_mon -1 --inactive --output-as=xml 2>&1 || true`;

/** corosync's quorum as this node sees it (the tool exits non-zero when not quorate: that is a result here). */
export const PCM_VERIFY_QUORUM = `corosync-quorumtool -s 2>&1 || true`;
