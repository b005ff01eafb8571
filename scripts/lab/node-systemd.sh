#!/bin/bash
# Second half of a systemd-mode node's boot, exec'd by node-init.sh once the node's root ($2) is
# assembled; still PID 1 of the node's pid namespace, still in the host's root.
#
#   node-systemd.sh I ROOT                      own cgroups, read-only kernel interfaces, phase 2
#   node-systemd.sh I ROOT --enter [HIERARCHY...] (in the node's new cgroup namespace) the host's
#                                                 cgroup layout, pivot_root, systemd
#
# pivot_root, not chroot: under chroot the kernel refuses new user namespaces, and every unit
# with PrivateUsers= (prometheus, among others) fails with status=217/USER.
set -euo pipefail

i=$1
r=$2

if [ "${3:-}" = --enter ]; then
  shift 3
  # Mounts made in the new cgroup namespace are rooted at the node's own subtrees.
  if [ $# -eq 0 ]; then
    mount -t cgroup2 none "$r/sys/fs/cgroup"
  else
    # The host's layout (hybrid: v1 hierarchies on a tmpfs, cgroup2 at unified), so services that
    # pick their cgroup code by the layout behave on a node as on the host. Slurm's autodetect
    # needs this: under a cgroup2 /sys/fs/cgroup it picks cgroup/v2, which has no controllers
    # here (the host binds them all to v1) and slurmd dies with "Hybrid mode is not supported".
    mount -t tmpfs -o mode=755 tmpfs "$r/sys/fs/cgroup"
    for hierarchy in "$@"; do
      dir=${hierarchy#name=}
      mkdir "$r/sys/fs/cgroup/$dir"
      mount -t cgroup -o "$hierarchy" cgroup "$r/sys/fs/cgroup/$dir"
      # a combined hierarchy (cpu,cpuacct) also answers to each controller's name, as on a host
      if [[ $dir == *,* ]]; then
        for controller in ${dir//,/ }; do ln -s "$dir" "$r/sys/fs/cgroup/$controller"; done
      fi
    done
    mkdir "$r/sys/fs/cgroup/unified"
    mount -t cgroup2 none "$r/sys/fs/cgroup/unified"
  fi
  cd "$r"
  # Stack the old root on top of the new one and detach it (pivot_root(2)'s ". ." idiom): the
  # node's image gets no mount-point directory of ours.
  pivot_root . .
  umount -l .
  exec env -i container=rackside-lab /lib/systemd/systemd
fi

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$LAB_DIR/lib.sh"
d=$(node_dir "$i")
group=$LAB_PFX-node$i

# Every node its own machine id (journald, dbus, corosync's defaults read it); kept in the upper
# dir, so it survives `down --keep` like the host keys.
[ -s "$r/etc/machine-id" ] || tr -d - < /proc/sys/kernel/random/uuid > "$r/etc/machine-id"

# Kernel interfaces a container must not change: /sys read-only (as systemd expects in a
# container), /proc/sys read-only except net (the network namespace's settings are the node's).
mount -o remount,bind,ro "$r/sys"
mount --bind "$r/proc/sys" "$r/proc/sys"
mount --bind "$r/proc/sys/net" "$r/proc/sys/net"
mount -o remount,bind,ro "$r/proc/sys"

# --- cgroups --------------------------------------------------------------------------------------
# The node's PID 1 moves into a subtree of its own in every hierarchy it uses, then (phase 2)
# enters a new cgroup namespace rooted there: systemd manages that subtree as if it were the
# machine's. Each subtree is written to $d/cgroups ("hierarchy:path", hierarchy empty for cgroup2)
# before anything is made, so `lab down` removes exactly these, also after a failed boot.
: > "$d/cgroups"
mnt=$d/cgroup-mnt
mkdir -p "$mnt"

own_group() { # $1 = hierarchy ("" for cgroup2), $2 = PID 1's current path in it
  local target=${2%/}/$group
  echo "$1:$target" >> "$d/cgroups"
  if [ -z "$1" ]; then mount -t cgroup2 none "$mnt"; else mount -t cgroup -o "$1" none "$mnt"; fi
  mkdir -p "$mnt$target"
  if [ -f "$mnt$target/cpuset.cpus" ]; then
    # a new cpuset group starts with no CPUs and no memory nodes: no process could run in it
    cat "$mnt${2%/}/cpuset.cpus" > "$mnt$target/cpuset.cpus"
    cat "$mnt${2%/}/cpuset.mems" > "$mnt$target/cpuset.mems"
  fi
  echo $$ > "$mnt$target/cgroup.procs"
  umount "$mnt"
}

v2=$(awk -F: '$1 == "0" && $2 == "" { print $3 }' /proc/self/cgroup)
[ -n "$v2" ] || die "node$i: this host has no cgroup2 hierarchy, which systemd mode needs"
own_group "" "$v2"

# On a host that still has cgroup v1 hierarchies (hybrid, as on these machines) the node gets its
# own group in each of them too: its systemd runs in the same hybrid layout as the host's, and
# Slurm's cgroup/v1 plugins (which need freezer, cpuset, memory, devices, cpuacct) work.
hierarchies=()
while IFS=: read -r _ hierarchy path; do
  [ -n "$hierarchy" ] && hierarchies+=("$hierarchy:$path")
done < /proc/self/cgroup
for entry in "${hierarchies[@]}"; do own_group "${entry%%:*}" "${entry#*:}"; done
rmdir "$mnt"

# --- hand over to systemd -------------------------------------------------------------------------
# The bounding set keeps every capability but CAP_SYS_TIME and CAP_SYS_MODULE: services need
# NET_ADMIN/NET_RAW (VRRP, IPaddr2), SYS_NICE (corosync), SYS_ADMIN (systemd's sandboxing),
# IPC_LOCK; a node must never set the host's clock or load modules into the shared kernel.
cd /
exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  setpriv --bounding-set -sys_time,-sys_module \
  unshare --cgroup "$BASH" "$LAB_DIR/node-systemd.sh" "$i" "$r" --enter "${hierarchies[@]%%:*}"
