# shellcheck shell=bash
# The VM lab: Debian VMs under qemu, each with its own kernel (so MD RAID and device-mapper work,
# unlike in the namespace nodes), sshd on a loopback port and virtio data disks with serial numbers.
# Sourced by scripts/lab/lab after lib.sh; `lab vm ...` calls cmd_vm. See scripts/lab/README.md.

VM_LIB=$LAB_DIR/vm
VM_STATE=$LAB_STATE/vm
VM_CACHE=$LAB_CACHE/vm
VM_MAX=9                                      # one port digit per VM (see vm_port)
VM_DEFAULT_VMS=1
VM_DEFAULT_DISKS=4
VM_DISK_SIZE=256M
VM_MEM=${RACKSIDE_LAB_VM_MEM:-1024}           # MiB
VM_SMP=${RACKSIDE_LAB_VM_SMP:-2}
VM_BOOT_TIMEOUT=${RACKSIDE_LAB_VM_BOOT_TIMEOUT:-600}   # s; TCG on a busy 2-core machine is slow
# Packages the image lacks on purpose (see image.sh), served by the VM lab's repository.
VM_REPO_PACKAGES="mdadm lvm2 xfsprogs"
# The guest reaches the repository at this address; qemu's guestfwd relays it to the host.
VM_GUEST_REPO_ADDR=10.0.2.100
VM_GUEST_REPO_PORT=8080

# Loopback ports of instance K: 22200 + 10K is the repository, + I is VM I's sshd. Deterministic,
# below the kernel's ephemeral range (32768+), distinct per instance.
vm_port_base() { echo $((22200 + 10 * LAB_INSTANCE)); }
vm_port() { echo $(($(vm_port_base) + $1)); }
vm_repo_port() { vm_port_base; }

vm_dir() { echo "$VM_STATE/vm$1"; }
vm_count() { cat "$VM_STATE/vms" 2>/dev/null || echo 0; }
vm_disk_count() { cat "$VM_STATE/disks" 2>/dev/null || echo "$VM_DEFAULT_DISKS"; }
# Serial of data disk K of VM I: RSV<instance, 2 digits><I><K>, e.g. RSV0712.
vm_serial() { printf 'RSV%02d%d%d' "$LAB_INSTANCE" "$1" "$2"; }

# The image's cache key: this build script plus the settings it bakes in.
vm_image_hash() {
  { cat "$VM_LIB/image.sh"; echo "$LAB_SUITE $LAB_PASSWORD"; } | sha256sum | cut -c1-16
}
vm_image_dir() { echo "$VM_CACHE/image-$(vm_image_hash)"; }

vm_qemu_pid() {
  local pid
  pid=$(cat "$(vm_dir "$1")/qemu.pid" 2>/dev/null) || return 0
  pid_alive "$pid" "$(vm_dir "$1")/qmp.sock" && echo "$pid"
  return 0
}
vm_running() { [ -n "$(vm_qemu_pid "$1")" ]; }

# sshd answers: qemu's hostfwd accepts a connection before the guest listens, so read the banner.
vm_sshd_up() {
  [ "$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && head -c 4 <&3' _ "$(vm_port "$1")" 2>/dev/null)" = SSH- ]
}

# KVM only when the CPU offers hardware virtualisation: a /dev/kvm without vmx/svm (a nested
# paravirtual KVM, as on this project's build machines) cannot run a stock Debian kernel.
vm_accel() {
  case ${RACKSIDE_LAB_VM_ACCEL:-auto} in
    kvm | tcg) echo "$RACKSIDE_LAB_VM_ACCEL" ;;
    auto)
      if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then echo kvm; else echo tcg; fi ;;
    *) die "RACKSIDE_LAB_VM_ACCEL must be auto, kvm or tcg" ;;
  esac
}

vm_require_commands() {
  need_commands qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils socat:socat mkfs.ext4:e2fsprogs \
               debootstrap:debootstrap python3:python3 dpkg-scanpackages:dpkg-dev apt-get:apt \
               ssh-keygen:openssh-client ssh-keyscan:openssh-client openssl:openssl flock:util-linux \
               sha256sum:coreutils truncate:coreutils
}

# The VM lab of an instance has its own lock: a boot takes minutes and must not block `lab up`.
vm_lock() {
  mkdir -p "$VM_STATE"
  exec 8> "$VM_STATE/.lock"
  flock -w 900 8 || die "another lab vm command holds $VM_STATE/.lock"
}

# --- image and repository (shared cache, built once) ----------------------------------------------

# Build the image once into a temporary directory, renamed into place when complete. The cache is
# shared by every instance, so builds are serialised on a lock in the cache.
vm_image_ensure() {
  local dir mirror tmp t0
  dir=$(vm_image_dir)
  mkdir -p "$VM_CACHE"
  exec 7> "$VM_CACHE/.build.lock"
  if ! flock -n 7; then
    log "another lab is building the VM image or repository; waiting (up to 30 min)"
    flock -w 1800 7 || die "the VM image build lock $VM_CACHE/.build.lock is still held"
  fi
  if [ ! -f "$dir/root.img" ]; then
    mirror=$(apt_mirror) || die "no Debian mirror found in /etc/apt/sources.list(.d); set RACKSIDE_LAB_MIRROR"
    # An interrupted build may have left its in-memory tree (image.sh) mounted.
    awk -v p="$VM_CACHE/image.tmp." 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
    rm -rf "$VM_CACHE"/image.tmp.*
    tmp=$(mktemp -d "$VM_CACHE/image.tmp.XXXXXX")
    t0=$(now)
    log "building the VM image ($LAB_SUITE with a kernel, about 4 minutes, once) into $dir"
    if ! LAB_PASSWORD=$LAB_PASSWORD bash "$VM_LIB/image.sh" "$tmp" "$LAB_SUITE" "$mirror" \
           > "$VM_CACHE/image-build.log" 2>&1 7>&- 8>&- 9>&-; then
      tail -n 20 "$VM_CACHE/image-build.log" >&2
      umount -R "$tmp/tree" 2>/dev/null || true
      rm -rf "$tmp"
      die "the VM image build failed (full log: $VM_CACHE/image-build.log)"
    fi
    # Older images go: a running VM keeps its open backing file, a new `vm up` uses the new one.
    rm -rf "$VM_CACHE"/image-*/
    mv "$tmp" "$dir"
    log "VM image built in $(elapsed "$t0") s ($(du -sh --apparent-size "$dir/root.img" | cut -f1) sparse, $(du -sh "$dir/root.img" | cut -f1) used)"
  fi
  vm_repo_ensure
  exec 7>&-
}

# Repository for the VMs: VM_REPO_PACKAGES with the dependencies the image lacks, resolved against
# the image's dpkg status and downloaded with this machine's apt. Offline, it serves what is cached.
vm_repo_ensure() {
  local repo=$VM_CACHE/repo debs=$VM_CACHE/debs stamp
  stamp="$(vm_image_hash) | $VM_REPO_PACKAGES"
  mkdir -p "$repo" "$debs/partial"
  if [ "$(cat "$repo.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "filling the VM lab's apt repository: $VM_REPO_PACKAGES"
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    if apt-get -q -y --download-only --no-install-recommends \
         -o Dir::State::status="$(vm_image_dir)/dpkg-status" -o Dir::Cache::archives="$debs/" \
         -o Debug::NoLocking=1 -o Acquire::Retries=0 -o Acquire::http::Timeout=10 \
         install $VM_REPO_PACKAGES > "$VM_CACHE/repo-download.log" 2>&1; then
      echo "$stamp" > "$repo.stamp"
    else
      warn "could not download $VM_REPO_PACKAGES (see $VM_CACHE/repo-download.log); the VM repository serves what is cached"
    fi
    cp -f "$debs"/*.deb "$repo"/ 2>/dev/null || true
  fi
  if [ ! -f "$repo/Packages" ] || [ -n "$(find "$repo" -name '*.deb' -newer "$repo/Packages")" ]; then
    (cd "$repo" && dpkg-scanpackages -m . 2>/dev/null > Packages && gzip -9kf Packages)
  fi
}

vm_repo_pid() {
  local pid
  pid=$(cat "$VM_STATE/repo-http.pid" 2>/dev/null) || return 0
  pid_alive "$pid" "http.server $(vm_repo_port)" && echo "$pid"
  return 0
}

vm_repo_start() {
  [ -n "$(vm_repo_pid)" ] && return 0
  setsid "$PYTHON" -m http.server "$(vm_repo_port)" --bind 127.0.0.1 --directory "$VM_CACHE/repo" \
    > "$VM_STATE/repo-http.log" 2>&1 < /dev/null 7>&- 8>&- 9>&- &
  echo $! > "$VM_STATE/repo-http.pid"
  wait_tcp 127.0.0.1 "$(vm_repo_port)" 10 || warn "the VM repository did not start (see $VM_STATE/repo-http.log)"
}

vm_repo_stop() {
  local pid
  pid=$(vm_repo_pid)
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -f "$VM_STATE/repo-http.pid"
}

# --- up -------------------------------------------------------------------------------------------

vm_cmd_up() {
  local n=$VM_DEFAULT_VMS disks=$VM_DEFAULT_DISKS current i bad=() t0 t1 accel
  while [ $# -gt 0 ]; do
    case $1 in
      --vms) n=${2:-}; shift 2 || die "--vms needs a number" ;;
      --vms=*) n=${1#*=}; shift ;;
      --disks) disks=${2:-}; shift 2 || die "--disks needs a number" ;;
      --disks=*) disks=${1#*=}; shift ;;
      *) die "vm up: unknown option '$1' (see: lab help)" ;;
    esac
  done
  if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt "$VM_MAX" ]; then
    die "--vms must be a number from 1 to $VM_MAX"
  fi
  if ! [[ $disks =~ ^[0-9]+$ ]] || [ "$disks" -lt 1 ] || [ "$disks" -gt 6 ]; then
    die "--disks must be a number from 1 to 6"
  fi
  require_root vm up
  vm_require_commands
  vm_lock
  t0=$(now)

  current=$(vm_count)
  if [ "$current" -gt 0 ]; then
    for i in $(seq 1 "$current"); do vm_running "$i" || bad+=("vm$i"); done
    if [ ${#bad[@]} -eq "$current" ]; then
      log "found a stale VM lab: none of its $current VMs is running; removing it"
      vm_teardown
    else
      [ ${#bad[@]} -eq 0 ] || die "the VM lab is partly up (${bad[*]} not running); run 'lab vm down' first"
      [ "$current" -eq "$n" ] && [ "$(vm_disk_count)" -eq "$disks" ] ||
        die "the VM lab is already up with $current VMs of $(vm_disk_count) disks; run 'lab vm down' first"
      vm_repo_start
      log "already up: $n VMs (lab vm status for details)"
      return 0
    fi
  fi

  mkdir -p "$LAB_STATE/keys"
  [ -f "$LAB_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C rackside-lab-client -f "$LAB_KEY"
  vm_image_ensure
  accel=$(vm_accel)

  echo "$n" > "$VM_STATE/vms"
  echo "$disks" > "$VM_STATE/disks"
  echo "$accel" > "$VM_STATE/accel"
  trap 'warn "vm up did not complete; clean up with: lab vm down"' EXIT
  vm_repo_start
  t1=$(now)
  for i in $(seq 1 "$n"); do vm_start "$i" "$disks" "$accel"; done
  for i in $(seq 1 "$n"); do vm_wait_sshd "$i"; done
  vm_write_client_files "$n"
  trap - EXIT
  log "vm up: $n VMs ($accel, ${VM_SMP} vCPU, ${VM_MEM} MiB, $disks data disks each) in $(elapsed "$t0") s (booted to ssh in $(elapsed "$t1") s)"
  log "inventory: $VM_STATE/inventory.yaml   try: ssh -F $LAB_STATE/ssh_config vm1"
}

vm_start() {
  local i=$1 disks=$2 accel=$3 d img k args
  d=$(vm_dir "$i"); img=$(vm_image_dir)
  rm -rf "$d"
  mkdir -p "$d"
  # Per-VM state is a copy-on-write overlay: creating it is instant, the cached image stays clean.
  qemu-img create -q -f qcow2 -b "$img/root.img" -F raw "$d/root.qcow2"
  echo "vm$i" > "$d/hostname"
  args=(
    -name "$LAB_PFX-vm$i" -machine q35 -nodefaults -m "$VM_MEM" -smp "$VM_SMP"
    -kernel "$img/vmlinuz" -initrd "$img/initrd.img"
    -append "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0 net.ifnames=0"
    -drive "file=$d/root.qcow2,if=none,id=root,format=qcow2,cache=unsafe"
    -device virtio-blk-pci,drive=root,id=rootdisk,bus=pcie.0
    -netdev "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$(vm_port "$i")-:22,guestfwd=tcp:$VM_GUEST_REPO_ADDR:$VM_GUEST_REPO_PORT-cmd:socat STDIO TCP:127.0.0.1:$(vm_repo_port)"
    -device virtio-net-pci,netdev=net0
    -fw_cfg "name=opt/org.rackside.lab/hostname,file=$d/hostname"
    -fw_cfg "name=opt/org.rackside.lab/authorized_keys,file=$LAB_KEY.pub"
    -display none -serial "file:$d/console.log" -monitor none
    -qmp "unix:$d/qmp.sock,server=on,wait=off"
    -no-reboot -daemonize -pidfile "$d/qemu.pid"
  )
  if [ "$accel" = kvm ]; then args+=(-accel kvm -cpu host); else args+=(-accel tcg,tb-size=256 -cpu max); fi
  for k in $(seq 1 "$disks"); do
    truncate -s "$VM_DISK_SIZE" "$d/disk$k.img"
    # -blockdev rather than -drive: after a hot-unplug a -drive backend is deleted with its
    # device, a -blockdev node stays, so `disk add` can plug the same disk back in.
    # Each disk sits behind its own PCIe root port, the hot-pluggable slot on q35.
    args+=(
      -blockdev "driver=file,node-name=disk$k-file,filename=$d/disk$k.img,cache.no-flush=on"
      -blockdev "driver=raw,node-name=disk$k-drive,file=disk$k-file"
      -device "pcie-root-port,id=rp$k,bus=pcie.0,chassis=$k"
      -device "virtio-blk-pci,id=disk$k,bus=rp$k,drive=disk$k-drive,serial=$(vm_serial "$i" "$k")"
    )
  done
  printf '%q ' qemu-system-x86_64 "${args[@]}" > "$d/qemu.cmdline"
  qemu-system-x86_64 "${args[@]}" > "$d/qemu.log" 2>&1 < /dev/null 7>&- 8>&- 9>&- ||
    die "vm$i: qemu did not start: $(tail -n 5 "$d/qemu.log")"
}

vm_wait_sshd() {
  local i=$1 d deadline=$((EPOCHSECONDS + VM_BOOT_TIMEOUT))
  d=$(vm_dir "$i")
  until vm_sshd_up "$i"; do
    vm_running "$i" || die "vm$i: qemu exited during boot (see $d/qemu.log and $d/console.log)"
    [ "$EPOCHSECONDS" -lt "$deadline" ] ||
      die "vm$i: sshd did not answer within $VM_BOOT_TIMEOUT s (console: $d/console.log)"
    sleep 1
  done
}

# inventory.yaml / inventory.csv (the app imports them), ssh_config and known_hosts.
vm_write_client_files() {
  local n=$1 i role port keys
  {
    echo "# Rackside VM lab inventory (generated by scripts/lab/lab vm up)"
    echo "hosts:"
    for i in $(seq 1 "$n"); do
      role=worker; [ "$i" = 1 ] && role=master
      cat <<EOF
  - name: vm$i
    address: 127.0.0.1
    port: $(vm_port "$i")
    user: root
    role: $role
    auth:
      method: key
      keyPath: $LAB_KEY
EOF
    done
  } > "$VM_STATE/inventory.yaml"
  {
    echo "name,address,port,user,role,auth,keyPath"
    for i in $(seq 1 "$n"); do
      role=worker; [ "$i" = 1 ] && role=master
      echo "vm$i,127.0.0.1,$(vm_port "$i"),root,$role,key,$LAB_KEY"
    done
  } > "$VM_STATE/inventory.csv"
  {
    echo "# Rackside VM lab (generated by scripts/lab/lab vm up), included by $LAB_STATE/ssh_config"
    for i in $(seq 1 "$n"); do
      printf 'Host vm%s\n  HostName 127.0.0.1\n  Port %s\n  HostKeyAlias vm%s\n' "$i" "$(vm_port "$i")" "$i"
    done
    cat <<EOF
Host vm*
  User root
  IdentityFile $LAB_KEY
  IdentitiesOnly yes
  UserKnownHostsFile $VM_STATE/known_hosts
  StrictHostKeyChecking accept-new
  LogLevel ERROR
EOF
  } > "$VM_STATE/ssh_config"
  : > "$VM_STATE/known_hosts"
  for i in $(seq 1 "$n"); do
    port=$(vm_port "$i")
    keys=$(ssh-keyscan -T 10 -p "$port" 127.0.0.1 2>/dev/null || true)
    # one entry under the alias (ssh -F ssh_config vmI) and one under [127.0.0.1]:port
    printf '%s\n' "$keys" | awk -v a="vm$i" -v b="[127.0.0.1]:$port" 'NF >= 3 { print a "," b, $2, $3 }' >> "$VM_STATE/known_hosts"
  done
  vm_link_ssh_config
}

# The lab's ssh_config includes the VM lab's; `lab up` writes the same Include line.
vm_link_ssh_config() {
  local main=$LAB_STATE/ssh_config line="Include $VM_STATE/ssh_config" tmp
  grep -qxF "$line" "$main" 2>/dev/null && return 0
  tmp=$(mktemp "$LAB_STATE/.ssh_config.XXXXXX")
  { echo "$line"; cat "$main" 2>/dev/null || true; } > "$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$main"
}

# --- down -----------------------------------------------------------------------------------------

vm_cmd_down() {
  [ $# -eq 0 ] || die "vm down: unknown option '$1' (see: lab help)"
  require_root vm down
  vm_lock
  vm_teardown
}

# Stop every VM of this instance and remove what `vm up` made; the image cache stays.
vm_teardown() {
  local t0 d pid pids=() was
  t0=$(now)
  was=$(vm_count)
  for d in "$VM_STATE"/vm*/; do
    [ -d "$d" ] || continue
    pid=$(cat "$d/qemu.pid" 2>/dev/null || true)
    if pid_alive "$pid" "$d"qmp.sock; then kill "$pid" 2>/dev/null && pids+=("$pid"); fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null
  done
  vm_repo_stop
  rm -rf "$VM_STATE"/vm[0-9]*/
  rm -f "$VM_STATE/vms" "$VM_STATE/disks" "$VM_STATE/accel" "$VM_STATE/inventory.yaml" \
    "$VM_STATE/inventory.csv" "$VM_STATE/ssh_config" "$VM_STATE/known_hosts" "$VM_STATE/repo-http.log"
  if [ "$was" -gt 0 ] || [ ${#pids[@]} -gt 0 ]; then
    log "vm down in $(elapsed "$t0") s"
  else
    log "vm lab already down"
  fi
}

# --- status ---------------------------------------------------------------------------------------

vm_cmd_status() {
  local json=0 n i k up=false running sshd sep='' dsep devices present disks
  [ "${1:-}" = --json ] && json=1
  n=$(vm_count)
  [ "$n" -gt 0 ] && up=true
  disks=$(vm_disk_count)
  if [ "$json" = 1 ]; then
    printf '{"up":%s,"accel":%s,"vms":[' "$up" "$(json_str "$(cat "$VM_STATE/accel" 2>/dev/null || vm_accel)")"
    for i in $(seq 1 "$n"); do
      running=false; sshd=false; devices=''
      if vm_running "$i"; then
        running=true
        vm_sshd_up "$i" && sshd=true
        devices=$("$PYTHON" "$VM_LIB/qmp.py" "$(vm_dir "$i")/qmp.sock" devices 2>/dev/null || true)
      fi
      printf '%s{"name":"vm%s","address":"127.0.0.1","port":%s,"running":%s,"sshd":%s,"console":%s,"disks":[' \
        "$sep" "$i" "$(vm_port "$i")" "$running" "$sshd" "$(json_str "$(vm_dir "$i")/console.log")"
      dsep=''
      for k in $(seq 1 "$disks"); do
        # unknown (null) while qemu is not running, rather than "pulled"
        present=null
        if [ "$running" = true ]; then present=false; grep -qx "disk$k" <<< "$devices" && present=true; fi
        printf '%s{"disk":%s,"serial":"%s","present":%s}' "$dsep" "$k" "$(vm_serial "$i" "$k")" "$present"
        dsep=,
      done
      printf ']}'
      sep=,
    done
    printf '],"inventory":%s,"inventoryCsv":%s,"sshConfig":%s,"keyPath":%s,"user":"root","password":%s,"stateDir":%s,"imageDir":%s,"repoPort":%s}\n' \
      "$(json_str "$VM_STATE/inventory.yaml")" "$(json_str "$VM_STATE/inventory.csv")" \
      "$(json_str "$VM_STATE/ssh_config")" "$(json_str "$LAB_KEY")" "$(json_str "$LAB_PASSWORD")" \
      "$(json_str "$VM_STATE")" "$(json_str "$(vm_image_dir)")" "$(vm_repo_port)"
    return 0
  fi
  if [ "$up" != true ]; then
    echo "lab vm: down (state $VM_STATE)"
    return 0
  fi
  echo "lab vm: up, $n VMs ($(cat "$VM_STATE/accel" 2>/dev/null)), state $VM_STATE"
  printf '%-6s %-17s %-9s %-5s %s\n' VM SSH QEMU SSHD DISKS
  for i in $(seq 1 "$n"); do
    running=stopped; sshd=down; devices=''
    if vm_running "$i"; then
      running=running
      vm_sshd_up "$i" && sshd=up
      devices=$("$PYTHON" "$VM_LIB/qmp.py" "$(vm_dir "$i")/qmp.sock" devices 2>/dev/null || true)
    fi
    present=''
    for k in $(seq 1 "$disks"); do
      if [ "$running" != running ]; then present+="$(vm_serial "$i" "$k")? "
      elif grep -qx "disk$k" <<< "$devices"; then present+="$(vm_serial "$i" "$k") "
      else present+="($(vm_serial "$i" "$k") pulled) "; fi
    done
    printf '%-6s %-17s %-9s %-5s %s\n' "vm$i" "127.0.0.1:$(vm_port "$i")" "$running" "$sshd" "$present"
  done
  echo "inventory: $VM_STATE/inventory.yaml  key: $LAB_KEY  password: $LAB_PASSWORD"
}

# --- disk pull / add --------------------------------------------------------------------------------

vm_cmd_disk() {
  local action=${1:-} i=${2:-} k=${3:-} n sock
  case $action in pull | add) ;; *) die "usage: lab vm disk pull|add N DISK" ;; esac
  require_root vm disk
  n=$(vm_count)
  [[ $i =~ ^[0-9]+$ ]] && [ "$i" -ge 1 ] && [ "$i" -le "$n" ] || die "VM '$i' does not exist (the VM lab has ${n} VMs)"
  # DISK is the data disk's number (1..) or its serial
  if [[ $k =~ ^RSV[0-9]+$ ]]; then
    local j
    for j in $(seq 1 "$(vm_disk_count)"); do [ "$(vm_serial "$i" "$j")" = "$k" ] && k=$j && break; done
  fi
  [[ $k =~ ^[0-9]+$ ]] && [ "$k" -ge 1 ] && [ "$k" -le "$(vm_disk_count)" ] ||
    die "disk '${3:-}' does not exist on vm$i (disks 1..$(vm_disk_count) or their serials)"
  vm_running "$i" || die "vm$i is not running"
  sock=$(vm_dir "$i")/qmp.sock
  case $action in
    pull)
      # qemu asks the guest to release the device and waits for it (ACPI hotplug)
      "$PYTHON" "$VM_LIB/qmp.py" "$sock" device-del "disk$k" 120 || die "vm$i: could not pull disk $k"
      log "vm$i: pulled disk $k ($(vm_serial "$i" "$k"))"
      ;;
    add)
      "$PYTHON" "$VM_LIB/qmp.py" "$sock" device-add \
        "{\"driver\":\"virtio-blk-pci\",\"id\":\"disk$k\",\"bus\":\"rp$k\",\"drive\":\"disk$k-drive\",\"serial\":\"$(vm_serial "$i" "$k")\"}" ||
        die "vm$i: could not add disk $k"
      log "vm$i: added disk $k ($(vm_serial "$i" "$k"))"
      ;;
  esac
}

# --- reboot ----------------------------------------------------------------------------------------

# A command on VM I over the VM lab's own ssh_config (the lab key, the VM's host key known).
vm_ssh() {
  local i=$1
  shift
  ssh -F "$VM_STATE/ssh_config" -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 \
    -o ServerAliveCountMax=3 "vm$i" "$@"
}

# Reboot the guest as a technician would (`systemctl reboot`: services stop, md arrays are stopped
# cleanly, the kernel restarts) and wait until sshd answers from the new boot. The VMs run with
# -no-reboot (a guest that panics and reboots stays down instead of looping), so qemu is told to
# reset on this one reboot and put back to shutting down afterwards. The same qemu process goes on:
# a pulled disk stays pulled, as it would in a real server's empty bay.
vm_cmd_reboot() {
  local i=${1:-} n sock old new t0 deadline
  [ $# -eq 1 ] || die "usage: lab vm reboot N"
  require_root vm reboot
  n=$(vm_count)
  [[ $i =~ ^[0-9]+$ ]] && [ "$i" -ge 1 ] && [ "$i" -le "$n" ] || die "VM '$i' does not exist (the VM lab has ${n} VMs)"
  vm_running "$i" || die "vm$i is not running"
  sock=$(vm_dir "$i")/qmp.sock
  t0=$(now)
  old=$(vm_ssh "$i" cat /proc/sys/kernel/random/boot_id) || die "vm$i: no ssh login before the reboot"
  "$PYTHON" "$VM_LIB/qmp.py" "$sock" set-action reboot=reset || die "vm$i: qemu refused set-action reboot=reset"
  # shellcheck disable=SC2064  # $sock is fixed now
  trap "\"$PYTHON\" \"$VM_LIB/qmp.py\" \"$sock\" set-action reboot=shutdown >/dev/null 2>&1 || true" EXIT
  # The connection may drop before ssh sees an exit status: only the new boot id counts.
  vm_ssh "$i" 'systemctl reboot' > /dev/null 2>&1 || true
  deadline=$((EPOCHSECONDS + VM_BOOT_TIMEOUT))
  while :; do
    vm_running "$i" || die "vm$i: qemu exited during the reboot (see $(vm_dir "$i")/console.log)"
    new=$(vm_ssh "$i" cat /proc/sys/kernel/random/boot_id 2>/dev/null) || new=''
    [ -n "$new" ] && [ "$new" != "$old" ] && break
    [ "$EPOCHSECONDS" -lt "$deadline" ] ||
      die "vm$i: not back on ssh within $VM_BOOT_TIMEOUT s of the reboot (console: $(vm_dir "$i")/console.log)"
    sleep 2
  done
  "$PYTHON" "$VM_LIB/qmp.py" "$sock" set-action reboot=shutdown || warn "vm$i: could not restore -no-reboot"
  trap - EXIT
  log "vm$i rebooted, back on ssh in $(elapsed "$t0") s"
}

cmd_vm() {
  local sub=${1:-help}
  [ $# -gt 0 ] && shift
  case $sub in
    up) vm_cmd_up "$@" ;;
    down) vm_cmd_down "$@" ;;
    status) vm_cmd_status "$@" ;;
    disk) vm_cmd_disk "$@" ;;
    reboot) vm_cmd_reboot "$@" ;;
    prepare) require_root vm prepare; vm_require_commands; vm_lock; vm_image_ensure; log "VM image and repository ready in $VM_CACHE" ;;
    help | -h | --help) usage ;;
    *) usage >&2; die "unknown vm command '$sub'" ;;
  esac
}
