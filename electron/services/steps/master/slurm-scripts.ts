/**
 * The Slurm profile's host scripts (slurm.ts). Fixed text, every value a positional parameter
 * (ssh/quote.ts); scripts that change something take `check|apply` as $1, so the probe and the
 * command share one definition of "done" (as scripts.ts).
 */

export const MUNGE_KEY = '/etc/munge/munge.key';
/**
 * The sha256 of the cluster key, written next to it when Rackside made it. Debian's postinst makes
 * a key on every node at install: only a key with this marker is the cluster's, so a first master
 * whose key came from its package gets a new one once, and never again.
 */
export const MUNGE_MARKER = '/etc/munge/rackside-cluster-key.sha256';
export const SLURM_CONF = '/etc/slurm/slurm.conf';
export const CGROUP_CONF = '/etc/slurm/cgroup.conf';
export const SLURMD_DROPIN = '/etc/systemd/system/slurmd.service.d/rackside.conf';

/** Probe of the cluster key on the first master: it exists and is the one Rackside made. */
export const MUNGE_KEY_CHECK = `k=$1 m=$2
[ -s "$k" ] && [ "$(cat "$m" 2>/dev/null)" = "$(sha256sum < "$k" | cut -d' ' -f1)" ]`;

/** Makes the cluster key once (first master), restarts munge; prints it as base64 (a secret output). */
export const MUNGE_KEY_MAKE = `set -eu
k=$1 m=$2
if ! { [ -s "$k" ] && [ "$(cat "$m" 2>/dev/null)" = "$(sha256sum < "$k" | cut -d' ' -f1)" ]; }; then
  umask 077
  mungekey --create --force --keyfile="$k" >&2 2>/dev/null || dd if=/dev/urandom of="$k" bs=1024 count=1 2>/dev/null
  chown munge:munge "$k"; chmod 0400 "$k"
  sha256sum < "$k" | cut -d' ' -f1 > "$m"; chmod 0600 "$m"
  systemctl enable --quiet munge; systemctl restart munge
fi
base64 -w0 "$k"`;

export const MUNGE_KEY_READ = `base64 -w0 "$1"`;

/**
 * The cluster key on a node: $1 check|apply, $2 the key file; the key (base64) is the first line
 * of stdin (never an argument: /proc/<pid>/cmdline is world-readable; printf is the shell's
 * builtin). Done when the file has the same sha256, is munge's and 0400, and munge runs with it.
 */
export const MUNGE_KEY_INSTALL = `set -eu
mode=$1 k=$2
IFS= read -r key
want=$(printf '%s' "$key" | base64 -d | sha256sum | cut -d' ' -f1)
have=$( { sha256sum < "$k" | cut -d' ' -f1; } 2>/dev/null || true)
same=0; [ "$want" = "$have" ] && [ "$(stat -c '%U:%G %a' "$k")" = 'munge:munge 400' ] && same=1
if [ "$same" = 1 ] && systemctl is-enabled --quiet munge && systemctl is-active --quiet munge; then exit 0; fi
[ "$mode" = apply ] || exit 1
if [ "$same" = 0 ]; then
  umask 077; mkdir -p "$(dirname "$k")"
  tmp=$(mktemp "$k.XXXXXX")
  printf '%s' "$key" | base64 -d > "$tmp"; chown munge:munge "$tmp"; chmod 0400 "$tmp"; mv -f "$tmp" "$k"
fi
systemctl enable --quiet munge; systemctl restart munge
echo "munge: cluster key in place"`;

/** Read-only: the node's \`slurmd -C\` line with its address, the NodeName line slurm.conf gets. $1 the address. */
export const SLURM_NODE = `set -eu
slurmd -C | head -n1 | awk -v a="$1" '{ $1 = $1 " NodeAddr=" a; print }'`;
export const SLURM_NODE_CHECK = `command -v slurmd > /dev/null`;

/**
 * The controller's slurm.conf, built on the node from the nodes' \`slurmd -C\` lines, and slurmctld
 * running it. $1 check|apply|render (print the file, change nothing), $2 merge|exact, $3 the
 * file, $4 ClusterName, $5 the controller's address, $6 the number of partition arguments, then each partition as \`name;YES|NO;maxtime;addr,addr|ALL\`,
 * then \`--\`, then the node lines. \`merge\` (the master install) keeps the nodes the file has that
 * are not given (workers step 6 added); \`exact\` (join, leave): the given nodes only. Nodes are
 * sorted, so the inventory's order changes nothing. On a change slurmctld restarts (jobs survive:
 * their state is in StateSaveLocation) and \`scontrol reconfigure\` makes every slurmd, the
 * configless ones included, take the new file; a marker kept from the write until the reconfigure
 * makes a run interrupted in between not "done", so its resume finishes the job.
 */
export const SLURM_CONF_APPLY = `set -eu
mode=$1 how=$2 f=$3 cluster=$4 ctl=$5 np=$6; shift 6
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
: > "$d/parts"
i=0; while [ "$i" -lt "$np" ]; do printf '%s\\n' "$1" >> "$d/parts"; shift; i=$((i + 1)); done
[ "\${1:-}" != -- ] || shift
: > "$d/given"
for l in "$@"; do printf '%s\\n' "$l" >> "$d/given"; done
cp "$d/given" "$d/nodes"
if [ "$how" = merge ] && [ -e "$f" ]; then
  grep '^NodeName=' "$f" | sed 's/ State=UNKNOWN$//' | while IFS= read -r l; do
    n=\${l%% *}; grep -q "^$n " "$d/given" || printf '%s\\n' "$l"
  done >> "$d/nodes"
fi
LC_ALL=C sort -u -o "$d/nodes" "$d/nodes"
name_of() { awk -v a="NodeAddr=$1" '$2 == a { sub(/^NodeName=/, "", $1); print $1; exit }' "$d/nodes"; }
ctlname=$(name_of "$ctl")
[ -n "$ctlname" ] || { echo "no slurmd -C line for the controller $ctl" >&2; exit 2; }
{
  echo '# Managed by Rackside (Slurm profile): the controller serves it to every slurmd (configless).'
  echo "ClusterName=$cluster"
  echo "SlurmctldHost=$ctlname($ctl)"
  echo 'SlurmctldParameters=enable_configless'
  echo 'AuthType=auth/munge'
  echo 'CredType=cred/munge'
  echo 'MpiDefault=none'
  echo 'ProctrackType=proctrack/cgroup'
  echo 'TaskPlugin=task/cgroup,task/affinity'
  echo 'ReturnToService=2'
  echo 'SrunPortRange=60001-60016'
  echo 'SlurmctldPidFile=/run/slurmctld.pid'
  echo 'SlurmdPidFile=/run/slurmd.pid'
  echo 'SlurmdSpoolDir=/var/lib/slurm/slurmd'
  echo 'StateSaveLocation=/var/lib/slurm/slurmctld'
  echo 'SlurmUser=slurm'
  echo 'SchedulerType=sched/backfill'
  echo 'SelectType=select/cons_tres'
  echo 'SelectTypeParameters=CR_Core_Memory'
  echo 'JobAcctGatherType=jobacct_gather/none'
  echo 'AccountingStorageType=accounting_storage/none'
  echo 'SlurmctldLogFile=/var/log/slurm/slurmctld.log'
  echo 'SlurmdLogFile=/var/log/slurm/slurmd.log'
  sed 's/$/ State=UNKNOWN/' "$d/nodes"
  while IFS=';' read -r pname pdef pmax paddrs; do
    if [ "$paddrs" = ALL ]; then nodes=ALL; else
      nodes=$(for a in $(echo "$paddrs" | tr ',' ' '); do name_of "$a"; done | paste -sd, -)
    fi
    echo "PartitionName=$pname\${nodes:+ Nodes=$nodes} Default=$pdef MaxTime=$pmax State=UP"
  done < "$d/parts"
} > "$d/new"
if [ "$mode" = render ]; then cat "$d/new"; exit 0; fi
same=0; cmp -s "$d/new" "$f" && same=1
pending=$f.rackside-reconfigure
if [ "$mode" = check ]; then
  [ "$same" = 1 ] && [ ! -e "$pending" ] && systemctl is-enabled --quiet slurmctld && systemctl is-active --quiet slurmctld
  exit
fi
if [ "$same" = 0 ]; then
  mkdir -p "$(dirname "$f")"
  # Until every slurmd was told, a run that stops here (the runner killed) is not done.
  touch "$pending"
  [ ! -e "$f" ] || [ -e "$f.rackside-orig" ] || cp -p "$f" "$f.rackside-orig"
  cat "$d/new" > "$f.rackside-new"; chmod 644 "$f.rackside-new"; mv -f "$f.rackside-new" "$f"
fi
systemctl enable --quiet slurmctld
if [ -e "$pending" ] || ! systemctl is-active --quiet slurmctld; then systemctl restart slurmctld; fi
n=0
until scontrol ping > /dev/null 2>&1; do
  n=$((n + 1)); [ "$n" -lt 60 ] || { echo 'slurmctld does not answer scontrol ping' >&2; exit 3; }
  sleep 1
done
if [ -e "$pending" ]; then scontrol reconfigure; rm -f "$pending"; fi
echo "$f: $([ "$same" = 1 ] && echo unchanged || echo written), $(grep -c '^NodeName=' "$f") nodes"`;

/**
 * slurmd on a node, enabled and running. $1 check|apply, $2 the controller's address for a
 * configless slurmd ('' on the controller, which reads its own slurm.conf). Debian's unit starts
 * only with a local slurm.conf (ConditionPathExists): the drop-in clears that condition.
 */
export const SLURMD = `set -eu
mode=$1 server=$2
f=${SLURMD_DROPIN}
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
if [ -n "$server" ]; then
  printf '%s\\n' '# Managed by Rackside (Slurm profile): slurmd takes its configuration from the controller.' \\
    '[Unit]' 'ConditionPathExists=' '[Service]' 'ExecStart=' \\
    "ExecStart=/usr/sbin/slurmd -D -s --conf-server $server \\$SLURMD_OPTIONS" > "$tmp"
  same=0; cmp -s "$tmp" "$f" && same=1
else
  same=1; [ ! -e "$f" ] || same=0
fi
if [ "$same" = 1 ] && systemctl is-enabled --quiet slurmd && systemctl is-active --quiet slurmd; then exit 0; fi
[ "$mode" = apply ] || exit 1
if [ "$same" = 0 ]; then
  if [ -n "$server" ]; then mkdir -p "$(dirname "$f")"; cat "$tmp" > "$f"; else rm -f "$f"; fi
  systemctl daemon-reload
fi
systemctl enable --quiet slurmd
if [ "$same" = 0 ] || ! systemctl is-active --quiet slurmd; then systemctl restart slurmd; fi
echo "slurmd: running$([ -n "$server" ] && echo ", configuration from $server" || true)"`;

/** Debian's slurmctld package enables the controller wherever it is installed: off except on the first master. $1 check|apply. */
export const SLURMCTLD_OFF = `set -eu
systemctl cat slurmctld > /dev/null 2>&1 || exit 0
if ! systemctl is-enabled --quiet slurmctld && ! systemctl is-active --quiet slurmctld; then exit 0; fi
[ "$1" = apply ] || exit 1
systemctl disable --now --quiet slurmctld
echo 'slurmctld: disabled'`;

/** A node leaving: slurmd stopped and disabled. $1 check|apply. */
export const SLURMD_OFF = `set -eu
if ! systemctl is-enabled --quiet slurmd 2>/dev/null && ! systemctl is-active --quiet slurmd; then exit 0; fi
[ "$1" = apply ] || exit 1
systemctl disable --now --quiet slurmd
echo 'slurmd: stopped and disabled'`;

/**
 * "Seen" on the controller: the node's state in sinfo is one that takes jobs. $1 check|apply, $2
 * the node's line (SLURM_NODE), $3 seconds to wait. A node that registered before its slurmd had
 * the key may be DOWN with "Not responding": ReturnToService=2 brings it back once it registers.
 */
export const SLURM_SEEN = `set -eu
n=$(printf '%s' "$2" | awk '{ sub(/^NodeName=/, "", $1); print $1 }')
state() { sinfo -h -n "$n" -o %T 2>/dev/null | head -n1; }
ready() { case "$(state)" in idle|mixed|allocated|completing) return 0;; esac; return 1; }
if ready; then echo "$n: $(state)"; exit 0; fi
[ "$1" = apply ] || exit 1
end=$(( $(date +%s) + $3 ))
while [ "$(date +%s)" -lt "$end" ]; do
  if ready; then echo "$n: $(state)"; exit 0; fi
  sleep 1
done
echo "$n: not taking jobs after $3 s: $(state) $(sinfo -h -n "$n" -o '%E' 2>/dev/null | head -n1)" >&2
exit 1`;

/** Read-only, the as-built member list: one \`<node> <state>\` a line. */
export const SLURM_MEMBERS = `sinfo -h -N -o '%N %T' | sort -u`;

/*
 * Step 7's checks (slurm-verify.ts). Read-only, and each exits 0 whatever it finds: a check that
 * failed would stop its host's part of the run and with it the checks after it, so the finding
 * comes from the captured lines instead (a non-zero exit means the check itself could not run).
 */

/** Every node and its state as the controller sees it, one `<node> <state>` a line (a node is listed once per partition). */
export const SLURM_VERIFY_NODES = `sinfo -h -N -o '%N %T' 2>&1 | sort -u || true`;

/**
 * A munge credential made on this node (a secret output: it authenticates as its maker for its
 * 5-minute life). A node whose munged does not answer prints a marker the decoders report.
 */
export const MUNGE_CREDENTIAL = `munge -n 2>/dev/null || echo no-credential`;

/**
 * This node decodes the other nodes' credentials: pairs of `<node> <credential>`. One line each:
 * `<node> ok`, `<node> no-credential` or `<node> failed <unmunge's error>`.
 */
export const MUNGE_DECODE = `while [ $# -ge 2 ]; do
  from=$1 cred=$2; shift 2
  if [ "$cred" = no-credential ]; then echo "$from no-credential"; continue; fi
  # unmunge reports some failures on stderr (munged unreachable), others only as its STATUS line (a replay).
  if out=$(printf '%s\\n' "$cred" | unmunge 2>&1); then echo "$from ok"
  else echo "$from failed $(printf '%s\\n' "$out" | grep -E '^(unmunge:|STATUS:)' | head -n1 | tr -s ' ' | cut -c1-200)"; fi
done`;

/**
 * One job across the planned nodes: $1 the node count, $2 the node list, $3 seconds before it is
 * given up. Prints `rc <exit code>`, then srun's lines each prefixed with `out ` (the host names,
 * or its error). -I: a node that cannot take the job fails it at once instead of queueing it.
 */
export const SLURM_VERIFY_JOB = `n=$1 nodes=$2 limit=$3
cd /tmp
out=$(timeout "$limit" srun -I30 -N"$n" -n"$n" -w "$nodes" --mem=16M -t 2 hostname 2>&1); rc=$?
echo "rc $rc"
printf '%s\\n' "$out" | sed 's/^/out /'`;
