# shellcheck shell=bash
# The node image for `lab up --mode systemd`: an overlay layer over the cached rootfs that adds
# systemd (as /sbin/init) and dbus, adapted to a node that shares the host's kernel. Sourced by
# scripts/lab/lab after lib.sh and rootfs.sh.
#
# The layer is cached in $LAB_SYSTEMD_LAYER and rebuilt when this file, the rootfs or the package
# list changes (the stamp holds a hash of this file). It is installed with apt from the lab's own
# repository (the offline bundle), so building it needs no network once the repository is filled.

sdlayer_stamp() {
  local script_hash
  script_hash=$(sha256sum "$LAB_DIR/systemd-layer.sh" | cut -c1-16)
  echo "$script_hash | $LAB_SYSTEMD_PACKAGES | $LAB_ROOTFS_STAMP"
}

sdlayer_current() {
  [ -d "$LAB_SYSTEMD_LAYER" ] && [ "$(cat "$LAB_SYSTEMD_LAYER.stamp" 2> /dev/null)" = "$(sdlayer_stamp)" ]
}

# Build the layer once into a temporary directory and rename it into place when complete. The
# cache is shared by every lab instance, so a second `up` waits for a build already under way.
sdlayer_ensure() {
  sdlayer_current && return 0
  local lockfd tmp t0
  exec {lockfd}> "$LAB_CACHE/.layer-systemd.lock"
  flock -w 900 "$lockfd" || die "another lab is building $LAB_SYSTEMD_LAYER (lock $LAB_CACHE/.layer-systemd.lock)"
  if ! sdlayer_current; then
    rm -rf "$LAB_CACHE"/layer-systemd.tmp.* "$LAB_SYSTEMD_LAYER.old"
    tmp=$(mktemp -d "$LAB_CACHE/layer-systemd.tmp.XXXXXX")
    t0=$(now)
    log "building the systemd layer ($LAB_SYSTEMD_PACKAGES from the local apt repository, once)"
    # A private mount namespace: every mount of the build vanishes with it, even on failure.
    if ! unshare --mount --propagation private "$BASH" -c \
           '. "$1/lib.sh"; . "$1/systemd-layer.sh"; sdlayer_build "$2"' _ "$LAB_DIR" "$tmp" \
           > "$LAB_CACHE/layer-systemd.log" 2>&1; then
      tail -n 20 "$LAB_CACHE/layer-systemd.log" >&2
      rm -rf "$tmp"
      die "building the systemd layer failed (full log: $LAB_CACHE/layer-systemd.log)"
    fi
    rm -rf "$LAB_SYSTEMD_LAYER"
    mv "$tmp/upper" "$LAB_SYSTEMD_LAYER"
    rm -rf "$tmp"
    sdlayer_stamp > "$LAB_SYSTEMD_LAYER.stamp"
    log "systemd layer built in $(elapsed "$t0") s ($(du -sh "$LAB_SYSTEMD_LAYER" | cut -f1))"
  fi
  exec {lockfd}>&-
}

# Runs in a private mount namespace. $1/upper becomes the layer: whatever the install changes in
# the merged view of rootfs + upper (removals become overlay whiteouts, which a lower layer keeps).
sdlayer_build() {
  local tmp=$1 m=$1/merged b=/run/rackside-lab-build spec name major minor
  set -euo pipefail
  mkdir -p "$tmp/upper" "$tmp/work" "$m"
  mount -t overlay overlay -o "lowerdir=$LAB_ROOTFS,upperdir=$tmp/upper,workdir=$tmp/work" "$m"
  mount -t proc proc "$m/proc"
  # /dev and /run are tmpfs mounts over the image, so nothing of the build itself lands in it.
  mount -t tmpfs -o mode=755 tmpfs "$m/dev"
  for spec in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9"; do
    read -r name major minor <<< "$spec"
    mknod -m 666 "$m/dev/$name" c "$major" "$minor"
  done
  mount -t tmpfs -o mode=755 tmpfs "$m/run"
  mkdir -p "$m$b/repo" "$m$b/lists/partial" "$m$b/archives/partial"
  mount --bind "$LAB_REPO" "$m$b/repo"
  echo "deb [trusted=yes] file:$b/repo ./" > "$m$b/sources.list"

  local apt=(apt-get -q -y -o "Dir::Etc::sourcelist=$b/sources.list" -o Dir::Etc::sourceparts=-
             -o "Dir::State::Lists=$b/lists" -o "Dir::Cache::archives=$b/archives"
             -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
  chroot "$m" "${apt[@]}" update
  # shellcheck disable=SC2086  # word splitting of the package list is intended
  DEBIAN_FRONTEND=noninteractive chroot "$m" "${apt[@]}" install --no-install-recommends $LAB_SYSTEMD_PACKAGES

  # Units for hardware, consoles and host kernel settings a node does not own. Units whose own
  # conditions skip them in a container (sysctl, modules, binfmt: read-only /proc/sys, no
  # CAP_SYS_MODULE) stay as they are. Time sync is chrony's job (from the repository); ssh sessions
  # need no logind.
  chroot "$m" systemctl mask \
    systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
    systemd-udev-trigger.service systemd-udev-settle.service systemd-networkd.service \
    systemd-logind.service getty@tty1.service console-getty.service \
    sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount
  chroot "$m" systemctl enable ssh.service

  # With an init system, package installs start their services, as on a real server.
  rm -f "$m/usr/sbin/policy-rc.d"

  # Every node gets its own machine id at boot (node-init.sh); none may be baked into the image.
  rm -f "$m/etc/machine-id" "$m/var/lib/dbus/machine-id"

  # Lab only: nodes have no CAP_SYS_TIME (they must never set the host's clock), so Debian's unit
  # would skip chronyd. Here chronyd serves and follows time without touching the clock (-x). Real
  # servers need none of this: the product installs and configures chrony the same way on both.
  mkdir -p "$m/etc/systemd/system/chrony.service.d"
  cat > "$m/etc/systemd/system/chrony.service.d/rackside-lab.conf" <<'EOF'
# Rackside lab node: no CAP_SYS_TIME, so chronyd must not try to set the clock.
[Unit]
ConditionCapability=
[Service]
ExecStart=
ExecStart=!/usr/sbin/chronyd $DAEMON_OPTS -x
EOF

  # Lab only: sshd logs to the node's sshd.log on the host (node-init.sh binds it at this path), as
  # in chroot mode, where tests read accepted and failed logins.
  mkdir -p "$m/etc/systemd/system/ssh.service.d"
  cat > "$m/etc/systemd/system/ssh.service.d/rackside-lab.conf" <<'EOF'
# Rackside lab node: sshd's log goes to <state>/nodeI/sshd.log on the lab host.
[Service]
ExecStart=
ExecStart=/usr/sbin/sshd -D -e $SSHD_OPTS
StandardError=append:/run/rackside-lab/sshd.log
EOF

  # The journal stays in memory: a node's logs go with its /run, like its console.
  mkdir -p "$m/etc/systemd/journald.conf.d"
  printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' > "$m/etc/systemd/journald.conf.d/rackside-lab.conf"

  rm -rf "$m"/var/log/apt/* "$m"/var/cache/debconf/*-old "$m"/var/lib/dpkg/*-old
}
