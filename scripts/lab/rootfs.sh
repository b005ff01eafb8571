# shellcheck shell=bash
# The cached node root filesystem (shared overlay lower dir) and the local apt repository.
# Sourced by scripts/lab/lab after lib.sh.

rootfs_current() {
  [ -d "$LAB_ROOTFS" ] && [ "$(cat "$LAB_CACHE/rootfs.stamp" 2>/dev/null)" = "$LAB_ROOTFS_STAMP" ]
}

# Build the rootfs once (debootstrap minbase + lab customisation) into a temporary directory and
# rename it into place only when complete, so an interrupted build never leaves a half rootfs.
rootfs_ensure() {
  rootfs_current && return 0
  local mirror tmp t0
  mirror=$(apt_mirror) || die "no Debian mirror found in /etc/apt/sources.list(.d); set RACKSIDE_LAB_MIRROR"
  mkdir -p "$LAB_CACHE"
  rm -rf "$LAB_CACHE"/rootfs.tmp.* "$LAB_CACHE/rootfs.old"   # leftovers of an interrupted build
  tmp=$(mktemp -d "$LAB_CACHE/rootfs.tmp.XXXXXX")
  t0=$(now)
  log "building the node rootfs ($LAB_SUITE minbase, a few minutes, once) into $LAB_ROOTFS"
  if ! debootstrap --variant=minbase --include="$LAB_ROOTFS_PACKAGES" "$LAB_SUITE" "$tmp" "$mirror" \
         > "$LAB_CACHE/debootstrap.log" 2>&1; then
    tail -n 20 "$LAB_CACHE/debootstrap.log" >&2
    rm -rf "$tmp"
    die "debootstrap failed (full log: $LAB_CACHE/debootstrap.log)"
  fi
  rootfs_prepare "$tmp"
  [ -d "$LAB_ROOTFS" ] && mv "$LAB_ROOTFS" "$LAB_CACHE/rootfs.old"
  mv "$tmp" "$LAB_ROOTFS"
  echo "$LAB_ROOTFS_STAMP" > "$LAB_CACHE/rootfs.stamp"
  rm -rf "$LAB_CACHE/rootfs.old" "$LAB_REPO.stamp"    # the repo is resolved against this rootfs
  rm -f "$LAB_SYSTEMD_LAYER.stamp"    # the layer's dpkg status would hide the new rootfs's
  log "rootfs built in $(elapsed "$t0") s ($(du -sh "$LAB_ROOTFS" | cut -f1))"
}

# Lab customisation of a freshly bootstrapped rootfs $1. Per-node things (host keys, hostname,
# hosts, authorized_keys) are written by node-init.sh into each node's overlay instead.
rootfs_prepare() {
  local r=$1 hash
  # every node generates its own host keys at first boot (into its overlay upper dir)
  rm -f "$r"/etc/ssh/ssh_host_*
  # no init system in a node: maintainer scripts must not start daemons
  printf '#!/bin/sh\n# Rackside lab: no init system, never start services from maintainer scripts\nexit 101\n' \
    > "$r/usr/sbin/policy-rc.d"
  chmod 755 "$r/usr/sbin/policy-rc.d"

  hash=$(openssl passwd -6 "$LAB_PASSWORD")
  chroot "$r" usermod -p "$hash" root
  chroot "$r" useradd -m -s /bin/bash -G sudo -p "$hash" lab
  mkdir -p "$r/root/.ssh" "$r/home/lab/.ssh"
  chmod 700 "$r/root/.ssh" "$r/home/lab/.ssh"
  chroot "$r" chown lab:lab /home/lab/.ssh

  cat > "$r/etc/ssh/sshd_config" <<'EOF'
# Rackside lab node sshd configuration
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
UsePAM yes
UseDNS no
MaxStartups 100:30:200
LogLevel VERBOSE
PidFile /run/sshd.pid
PrintMotd no
X11Forwarding no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF

  # nodes are offline: the only package source is the lab's local repository on the bridge
  printf '# Rackside lab nodes are offline; packages come from the local lab repository.\n' \
    > "$r/etc/apt/sources.list"
  echo "deb [trusted=yes] http://$LAB_GW:$LAB_REPO_PORT ./" > "$r/etc/apt/sources.list.d/rackside-lab.list"
  echo "nameserver $LAB_GW" > "$r/etc/resolv.conf"
  chroot "$r" apt-get clean
  rm -rf "$r"/var/lib/apt/lists/*_Packages "$r"/var/lib/apt/lists/*_Release "$r"/var/lib/apt/lists/*_InRelease
}

# Local apt repository: packages the rootfs lacks (with the dependencies it lacks), resolved
# against the rootfs's dpkg status and downloaded with the host's apt. A download failure (offline
# host) only warns: the repository then serves whatever is already cached.
repo_ensure() {
  local stamp="$LAB_ROOTFS_STAMP | $LAB_REPO_PACKAGES" debs=$LAB_CACHE/debs pkg
  mkdir -p "$LAB_REPO" "$debs/partial"
  if [ "$(cat "$LAB_REPO.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "filling the local apt repository: $LAB_REPO_PACKAGES"
    local ok=1
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    if ! repo_download $LAB_REPO_PACKAGES; then
      for pkg in $LAB_REPO_PACKAGES; do repo_download "$pkg" || { ok=0; warn "could not download $pkg"; }; done
    fi
    cp -f "$debs"/*.deb "$LAB_REPO"/ 2>/dev/null || true
    if [ "$ok" = 1 ]; then echo "$stamp" > "$LAB_REPO.stamp"
    else warn "the local apt repository is incomplete (no package registry?); it serves what is cached"; fi
  fi
  if [ ! -f "$LAB_REPO/Packages" ] || [ -n "$(find "$LAB_REPO" -name '*.deb' -newer "$LAB_REPO/Packages")" ]; then
    (cd "$LAB_REPO" && dpkg-scanpackages -m . 2> /dev/null > Packages && gzip -9kf Packages)
  fi
}

repo_download() {
  apt-get -q -y --download-only --no-install-recommends \
    -o Dir::State::status="$LAB_ROOTFS/var/lib/dpkg/status" \
    -o Dir::Cache::archives="$LAB_CACHE/debs/" \
    -o Debug::NoLocking=1 -o Acquire::Retries=0 -o Acquire::http::Timeout=10 \
    install "$@" >> "$LAB_CACHE/repo-download.log" 2>&1
}

repo_serve_pid() {
  local pid
  pid=$(cat "$LAB_STATE/repo-http.pid" 2>/dev/null) || return 0
  pid_alive "$pid" "http.server $LAB_REPO_PORT" && echo "$pid"
  return 0
}

repo_start() {
  [ -n "$(repo_serve_pid)" ] && return 0
  setsid "$PYTHON" -m http.server "$LAB_REPO_PORT" --bind "$LAB_GW" --directory "$LAB_REPO" \
    > "$LAB_STATE/repo-http.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$LAB_STATE/repo-http.pid"
  wait_tcp "$LAB_GW" "$LAB_REPO_PORT" 10 || warn "the local apt repository did not start (see $LAB_STATE/repo-http.log)"
}

repo_stop() {
  local pid
  pid=$(repo_serve_pid)
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -f "$LAB_STATE/repo-http.pid"
}
