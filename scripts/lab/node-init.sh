#!/bin/bash
# Boot of one lab node. Started by `lab up` as PID 1 of fresh pid/mount/uts/ipc namespaces inside
# the node's network namespace:
#   ip netns exec rsl-nodeI unshare --uts --ipc --mount --pid --fork ... node-init.sh I MODE
# It assembles the node's root (overlay of the cached rootfs + a per-node upper dir), mounts
# /proc, /sys, /dev, /run, fakes /sys/block and SMBIOS, then hands over with a reduced capability
# bounding set: in chroot mode it chroots and execs node-pid1.sh (a tiny init running sshd); in
# systemd mode it gives the node its own cgroups, pivot_roots and execs systemd.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$LAB_DIR/lib.sh"

i=$1
mode=${2:-chroot}
d=$(node_dir "$i")
r=$d/root
lower=$LAB_ROOTFS
[ "$mode" = systemd ] && lower=$LAB_SYSTEMD_LAYER:$LAB_ROOTFS

hostname "node$i"

# --- root filesystem: overlay (lower = shared cached rootfs, upper = this node's changes) ---------
mkdir -p "$d/upper" "$d/work" "$r"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$d/upper,workdir=$d/work" "$r"

mount -t proc proc "$r/proc"
mount -t sysfs sysfs "$r/sys"   # sysfs of the node's netns: /sys/class/net shows lo and eth0

# /sys/block: only the loop devices assigned to this node (one loopN per line in $d/disks)
mount -t tmpfs -o mode=755 tmpfs "$r/sys/block"
if [ -f "$d/disks" ]; then
  while read -r dev; do ln -s "../devices/virtual/block/$dev" "$r/sys/block/$dev"; done < "$d/disks"
fi

# SMBIOS so dmidecode works (the host has none): tmpfs over /sys/firmware
mount -t tmpfs -o mode=755 tmpfs "$r/sys/firmware"
"$PYTHON" "$LAB_DIR/dmi-gen.py" "$i" "$r/sys/firmware/dmi/tables"

# /dev: a minimal private devtmpfs-like tree with the node's own disks only
mount -t tmpfs -o mode=755,size=64m tmpfs "$r/dev"
for spec in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
  read -r name major minor <<< "$spec"
  mknod -m 666 "$r/dev/$name" c "$major" "$minor"
done
if [ "$mode" = systemd ]; then
  # systemd's console (what it prints before its journal runs, emergency messages) is the node's
  # console.log on the host
  touch "$r/dev/console"
  mount --bind "$d/console.log" "$r/dev/console"
else
  mknod -m 600 "$r/dev/console" c 5 1
fi
mkdir "$r/dev/pts" "$r/dev/shm" "$r/dev/mapper"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$r/dev/pts"
if [ "$mode" = systemd ]; then
  # a real server's shm is bounded by its RAM; here every node shares the host's (corosync's
  # libqb needs about 33 MB of it)
  mount -t tmpfs -o mode=1777,size=256m tmpfs "$r/dev/shm"
else
  mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
fi
ln -s pts/ptmx "$r/dev/ptmx"
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"
ln -s /proc/self/fd/2 "$r/dev/stderr"
mknod -m 600 "$r/dev/loop-control" c 10 237
mknod -m 600 "$r/dev/mapper/control" c 10 236
if [ -f "$d/disks" ]; then
  while read -r dev; do mknod -m 660 "$r/dev/$dev" b 7 "${dev#loop}"; done < "$d/disks"
  chroot "$r" sh -c 'chgrp disk /dev/loop[0-9]*'
fi

mount -t tmpfs -o mode=755 tmpfs "$r/run"
mkdir -m 755 "$r/run/sshd" "$r/run/lock"
if [ "$mode" = systemd ]; then
  # the ssh unit's log (a drop-in of the systemd layer) is the host's sshd.log, as in chroot mode
  mkdir -m 755 "$r/run/rackside-lab"
  touch "$r/run/rackside-lab/sshd.log"
  mount --bind "$d/sshd.log" "$r/run/rackside-lab/sshd.log"
fi

# --- per-node identity ----------------------------------------------------------------------------
echo "node$i" > "$r/etc/hostname"
cp "$LAB_STATE/hosts" "$r/etc/hosts"
# The rootfs cache is shared by every lab instance: point DNS and apt at this instance's bridge.
echo "nameserver $LAB_GW" > "$r/etc/resolv.conf"
echo "deb [trusted=yes] http://$LAB_GW:$LAB_REPO_PORT ./" > "$r/etc/apt/sources.list.d/rackside-lab.list"
for home in root home/lab; do
  install -m 600 "$LAB_KEY.pub" "$r/$home/.ssh/authorized_keys"
done
chroot "$r" chown lab:lab /home/lab/.ssh/authorized_keys
# host keys: generated at first boot into the upper dir, so they persist until the state is wiped
[ -f "$r/etc/ssh/ssh_host_ed25519_key" ] || chroot "$r" ssh-keygen -A > /dev/null

[ "$mode" = systemd ] && exec "$LAB_DIR/node-systemd.sh" "$i" "$r"

# --- hand over to the node's init -----------------------------------------------------------------
install -m 755 "$LAB_DIR/node-pid1.sh" "$r/run/rackside-lab-init"
exec 3>> "$d/sshd.log"
cd /
exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 container=rackside-lab \
  setpriv --bounding-set -sys_time,-sys_module \
  chroot "$r" /bin/bash /run/rackside-lab-init
