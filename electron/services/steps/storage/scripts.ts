/**
 * The host scripts of the storage steps. Fixed text: every name, serial, size, mount point and
 * option reaches them as a positional parameter (quoted by ssh/quote.ts), never pasted in.
 * Scripts that must refuse print one `RACKSIDE-STORAGE <what> ...` line per reason and exit with
 * a code of their own (EXIT), so `evaluate` words the refusal instead of showing a tool's message.
 */

export const MARK = 'RACKSIDE-STORAGE';

export const EXIT = {
  /** The kernel has no MD support (the namespace lab shares a kernel without it). */
  noMd: 40,
  /** A planned disk is not as planned any more (gone, resized, mounted, signature, ...). Nothing was written. */
  changed: 41,
  /** The target device already carries a signature the step did not put there. Nothing was written. */
  signature: 42,
  /** `/dev/md/<name>` exists but is not the planned array. Nothing was written. */
  otherArray: 43,
} as const;

/** Shared helpers: serial of a kernel disk, disk by serial, its by-id path. */
export const HELPERS = `M=${MARK}
serial_of() { lsblk -dn -o SERIAL "/dev/$1" 2>/dev/null | sed 's/^[[:space:]]*//;s/[[:space:]]*$//'; }
byid_of() {
  best=''
  for l in /dev/disk/by-id/*; do
    [ -e "$l" ] || continue
    [ "$(readlink -f "$l")" = "/dev/$1" ] || continue
    case \${l##*/} in wwn-*|nvme-eui.*) [ -n "$best" ] || best=$l ;; *) best=$l; break ;; esac
  done
  printf '%s\\n' "\${best:-/dev/$1}"
}
disks_with_serial() {
  for p in /sys/block/*; do
    d=\${p##*/}
    case $d in md*|dm-*|ram*|zram*|sr*) continue ;; esac
    s=$(serial_of "$d")
    [ -n "$s" ] && [ "$s" = "$1" ] && printf '%s\\n' "$d"
  done
}
md_ok() { [ -e /proc/mdstat ] || { command -v modprobe >/dev/null 2>&1 && modprobe -n md_mod >/dev/null 2>&1; }; }
# -O (--output) names the columns (-o is --offset: with it wipefs fails and prints nothing). Fails
# when wipefs does: a disk that cannot be read is not a blank one.
signatures_of() { s=$(wipefs -n --noheadings -O TYPE "$1" 2>/dev/null) || return 1; printf '%s' "$s" | tr '\n' ' ' | sed 's/[[:space:]]*$//'; }`;

/**
 * The guard's re-check of one disk, on the host, just before wiping: $1 kernel name, $2 the size
 * in bytes it had when chosen. Prints one word per problem (nothing: unchanged and usable).
 */
export const DISK_PROBLEMS = `disk_problems() {
  d=$1
  now=$(( $(cat "/sys/block/$d/size") * 512 ))
  [ "$now" = "$2" ] || echo "size=$now"
  [ -z "$(lsblk -nr -o MOUNTPOINT "/dev/$d" 2>/dev/null | grep .)" ] || echo mounted
  for p in "/sys/block/$d/$d"*; do [ -e "$p" ] && { echo partitions; break; }; done
  [ -z "$(ls "/sys/block/$d/holders" 2>/dev/null)" ] || echo holder
  if sig=$(signatures_of "/dev/$d"); then [ -z "$sig" ] || echo signature; else echo signature-unreadable; fi
  if command -v mdadm >/dev/null 2>&1 && mdadm --examine "/dev/$d" >/dev/null 2>&1; then echo md-member; fi
  if command -v pvs >/dev/null 2>&1 && pvs "/dev/$d" >/dev/null 2>&1; then echo lvm-pv; fi
  [ "$(cat "/sys/block/$d/ro" 2>/dev/null)" = 0 ] || echo read-only
}`;

/**
 * storage-disks (read-only, sudo: wipefs and smartctl read the devices): everything eligibility
 * is judged on, in sections parseDisksCapture reads.
 */
export const DISKS_SCRIPT = `${HELPERS}
echo '=== lsblk'
lsblk -J -b -o NAME,PATH,SERIAL,SIZE,TYPE,MODEL,ROTA,TRAN,RO,RM,FSTYPE,MOUNTPOINTS 2>/dev/null ||
  lsblk -J -b -o NAME,PATH,SERIAL,SIZE,TYPE,MODEL,ROTA,TRAN,RO,RM,FSTYPE,MOUNTPOINT
echo '=== findmnt'
findmnt -J -o TARGET,SOURCE,FSTYPE 2>/dev/null
echo '=== pvs'
command -v pvs >/dev/null 2>&1 && pvs --noheadings -o pv_name 2>/dev/null
echo '=== mdstat'
cat /proc/mdstat 2>/dev/null
echo '=== md'
if md_ok; then echo yes; else echo no; fi
for d in $(lsblk -dn -o NAME,TYPE | awk '$2 == "disk" || $2 == "loop" { print $1 }'); do
  echo "=== disk $d"
  echo "byid=$(byid_of "$d")"
  echo "holders=$(ls "/sys/block/$d/holders" 2>/dev/null | tr '\\n' ' ')"
  if command -v smartctl >/dev/null 2>&1; then
    h=$(smartctl -H "/dev/$d" 2>/dev/null)
    case $h in *PASSED*|*": OK"*) echo smart=PASSED ;; *FAILED*) echo smart=FAILED ;; *) echo smart=unknown ;; esac
  else
    echo smart=unknown
  fi
  echo '--- wipefs'
  wipefs -n -J "/dev/$d" 2>/dev/null
done`;

/** check (read-only): MD support and tools. Exits EXIT.noMd with a marker on a kernel without MD. */
export const CHECK_SCRIPT = `${HELPERS}
for t in mdadm wipefs lsblk blkid findmnt pvcreate mkfs.ext4 mkfs.xfs update-initramfs; do
  if command -v "$t" >/dev/null 2>&1; then echo "tool $t=yes"; else echo "tool $t=no"; fi
done
echo "kernel=$(uname -r)"
if md_ok; then echo md=yes; else echo md=no; echo "$M no-md"; exit ${EXIT.noMd}; fi`;

/**
 * packages: $@ the Debian packages to install. A freshly installed server (and the VM lab's
 * image) may have no package lists yet: update them once when the install cannot find a package.
 */
export const PACKAGES_SCRIPT = `export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" < /dev/null; }
install "$@" || { apt-get update -q < /dev/null && install "$@"; }`;

/** packages probe: every one of $@ installed. */
export const PACKAGES_PROBE = `for p in "$@"; do
  dpkg-query -W -f '\${Status}\\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || exit 1
done`;

/**
 * create-array (DESTRUCTIVE). $1 array name, $2 level, then pairs: serial, size in bytes. Finds
 * each disk again by serial and re-checks it; any change → one marker line per problem, exit
 * EXIT.changed, nothing written. Otherwise backs up the signatures to stdout (the transcript),
 * wipes and creates the array.
 */
export const CREATE_ARRAY_SCRIPT = `set -u
${HELPERS}
${DISK_PROBLEMS}
name=$1; level=$2; shift 2
modprobe md_mod >/dev/null 2>&1 || true
[ -e /proc/mdstat ] || { echo "$M no-md"; exit ${EXIT.noMd}; }
if [ -e "/dev/md/$name" ]; then echo "$M other-array /dev/md/$name"; exit ${EXIT.otherArray}; fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/devs"; : > "$tmp/names"; bad=0; n=0
changed() { printf '%s changed %s %s\\n' "$M" "$1" "$2"; bad=1; }
while [ $# -ge 2 ]; do
  serial=$1; size=$2; shift 2; n=$((n + 1))
  found=$(disks_with_serial "$serial")
  count=$(printf '%s' "$found" | grep -c .)
  if [ "$count" -eq 0 ]; then changed "$serial" missing; continue; fi
  if [ "$count" -gt 1 ]; then changed "$serial" duplicate-serial; continue; fi
  d=$found
  for what in $(disk_problems "$d" "$size"); do changed "$serial" "$what"; done
  byid_of "$d" >> "$tmp/devs"
  printf '%s\\n' "$d" >> "$tmp/names"
done
[ "$bad" = 0 ] || exit ${EXIT.changed}
while IFS= read -r d; do
  echo "=== backup $(serial_of "$d") /dev/$d"
  wipefs -n -J "/dev/$d" 2>&1
  mdadm --examine "/dev/$d" 2>&1 || true
  mkdir -p "$tmp/bak-$d"
  HOME="$tmp/bak-$d" wipefs -a --backup "/dev/$d" || exit 1
  for f in "$tmp/bak-$d"/wipefs-*.bak; do
    [ -e "$f" ] || continue
    echo "--- wipefs-backup \${f##*/} (base64)"
    base64 "$f"
  done
done < "$tmp/names"
set --
while IFS= read -r p; do set -- "$@" "$p"; done < "$tmp/devs"
echo "=== create /dev/md/$name $level $n: $*"
mdadm --create "/dev/md/$name" --run --metadata=1.2 --bitmap=internal --level="$level" --raid-devices="$n" --name="$name" "$@" < /dev/null || exit 1
command -v udevadm >/dev/null 2>&1 && udevadm settle 2>/dev/null
[ -e "/dev/md/$name" ] || exit 1
# The members were wiped, but disks that held an array of the same layout before show its contents
# again inside the new one (an LVM PV, a filesystem), which the next actions' probes would take for
# their own work: the new array starts blank.
echo "=== wipe what the new array shows of the disks' earlier use"
wipefs -a "/dev/md/$name"`;

/**
 * create-array probe: $1 name, then the planned serials. /dev/md/<name> exists and every member
 * is a planned disk: all of them, or fewer when one was pulled since (the status action then
 * says the array is degraded, naming it). Never a second mdadm --create over a planned array;
 * an array of that name with a disk not in the plan is someone else's (create-array refuses).
 */
export const ARRAY_PROBE = `${HELPERS}
name=$1; shift
[ -e "/dev/md/$name" ] || exit 1
k=$(readlink -f "/dev/md/$name"); k=\${k##*/}
found=0
for s in "/sys/block/$k/slaves/"*; do
  [ -e "$s" ] || continue
  ser=$(serial_of "\${s##*/}"); planned=no
  for w in "$@"; do [ -n "$ser" ] && [ "$ser" = "$w" ] && planned=yes; done
  [ "$planned" = yes ] || exit 1
  found=$((found + 1))
done
[ "$found" -gt 0 ]`;

/** lvm-vg: $1 VG, $2 array name. */
export const VG_SCRIPT = `set -eu
dev=$(readlink -f "/dev/md/$2")
pvs "$dev" >/dev/null 2>&1 || pvcreate -y "$dev"
vgcreate "$1" "$dev"`;

/** lvm-vg probe: the VG exists on this array. */
export const VG_PROBE = `dev=$(readlink -f "/dev/md/$2") || exit 1
[ "$(pvs --noheadings -o vg_name "$dev" 2>/dev/null | tr -d ' ')" = "$1" ]`;

/** lvm-lv-<i>: $1 VG, $2 LV, $3 size (`100G` → -L, `100%FREE` → -l). */
export const LV_SCRIPT = `set -eu
case $3 in *%*) opt=-l ;; *) opt=-L ;; esac
lvcreate -y --wipesignatures y -n "$2" "$opt" "$3" "$1" < /dev/null`;

export const LV_PROBE = `lvs "$1/$2" >/dev/null 2>&1`;

/** mkfs-<i>: $1 device, $2 filesystem. Refuses a device that carries any signature. */
export const MKFS_SCRIPT = `set -u
${HELPERS}
dev=$1; fs=$2
[ -b "$dev" ] || { echo "$M missing $dev"; exit 1; }
sig=$(signatures_of "$dev") || { echo "$M signature $dev unreadable"; exit ${EXIT.signature}; }
if [ -n "$sig" ]; then echo "$M signature $dev $sig"; exit ${EXIT.signature}; fi
case $fs in
  ext4) mkfs.ext4 -q "$dev" < /dev/null ;;
  xfs) mkfs.xfs -q "$dev" < /dev/null ;;
  *) echo "$M unknown-filesystem $fs"; exit 1 ;;
esac`;

export const MKFS_PROBE = `[ "$(blkid -o value -s TYPE "$1" 2>/dev/null)" = "$2" ]`;

/**
 * mount-<i>: $1 device, $2 mount point, $3 filesystem, $4 options, $5 device timeout (s). One
 * fstab line per mount point, by UUID: replaced, never duplicated.
 */
export const MOUNT_SCRIPT = `set -eu
dev=$1; mp=$2; fs=$3; opts=$4; t=$5
uuid=$(blkid -o value -s UUID "$dev")
[ -n "$uuid" ]
line="UUID=$uuid $mp $fs $opts,nofail,x-systemd.device-timeout=\${t}s 0 2"
mkdir -p "$mp"
[ -e /etc/fstab.rackside-orig ] || cp -p /etc/fstab /etc/fstab.rackside-orig 2>/dev/null || : > /etc/fstab.rackside-orig
MP=$mp awk '/^[[:space:]]*#/ || $2 != ENVIRON["MP"]' /etc/fstab > /etc/fstab.rackside-new
printf '%s\\n' "$line" >> /etc/fstab.rackside-new
cat /etc/fstab.rackside-new > /etc/fstab
rm -f /etc/fstab.rackside-new
command -v systemctl >/dev/null 2>&1 && systemctl daemon-reload >/dev/null 2>&1 || true
findmnt -rn --mountpoint "$mp" >/dev/null 2>&1 || mount "$mp"
echo "$line"`;

export const MOUNT_PROBE = `dev=$1; mp=$2; fs=$3; opts=$4; t=$5
uuid=$(blkid -o value -s UUID "$dev" 2>/dev/null) && [ -n "$uuid" ] || exit 1
findmnt -rn --mountpoint "$mp" >/dev/null 2>&1 || exit 1
[ "$(MP=$mp awk '!/^[[:space:]]*#/ && $2 == ENVIRON["MP"]' /etc/fstab)" = "UUID=$uuid $mp $fs $opts,nofail,x-systemd.device-timeout=\${t}s 0 2" ]`;

const MDADM_CONF = `conf=/etc/mdadm/mdadm.conf; [ -d /etc/mdadm ] || conf=/etc/mdadm.conf`;

/** persist: $1 array name. This array's ARRAY line in mdadm.conf (others kept), then the initramfs. */
export const PERSIST_SCRIPT = `set -eu
${MDADM_CONF}
line=$(mdadm --detail --scan "/dev/md/$1")
uuid=$(printf '%s\\n' "$line" | sed -n 's/.*UUID=\\([^ ]*\\).*/\\1/p')
[ -n "$uuid" ]
touch "$conf"
U=$uuid D="/dev/md/$1" awk '!($1 == "ARRAY" && (index($0, "UUID=" ENVIRON["U"]) || $2 == ENVIRON["D"]))' "$conf" > "$conf.rackside-new"
printf '%s\\n' "$line" >> "$conf.rackside-new"
cat "$conf.rackside-new" > "$conf"
rm -f "$conf.rackside-new"
echo "$line"
if command -v update-initramfs >/dev/null 2>&1; then update-initramfs -u
elif command -v dracut >/dev/null 2>&1; then dracut -f
fi`;

export const PERSIST_PROBE = `${MDADM_CONF}
line=$(mdadm --detail --scan "/dev/md/$1" 2>/dev/null) && [ -n "$line" ] || exit 1
grep -qxF -- "$line" "$conf" || exit 1
img=/boot/initrd.img-$(uname -r)
# No initramfs to update, or updates switched off (update_initramfs=no, as in the VM lab's image).
[ ! -e "$img" ] || [ "$img" -nt "$conf" ] || grep -qs '^update_initramfs=no' /etc/initramfs-tools/update-initramfs.conf`;

/**
 * status (read-only): $1 array name, then the planned mount points. Sections for
 * arrayStatusFromCapture.
 */
export const STATUS_SCRIPT = `${HELPERS}
${MDADM_CONF}
name=$1; shift
echo '=== md'
if md_ok; then echo yes; else echo no; fi
echo '=== mdstat'
cat /proc/mdstat 2>/dev/null
[ -e "/dev/md/$name" ] || { echo '=== absent'; exit 0; }
k=$(readlink -f "/dev/md/$name"); k=\${k##*/}
echo '=== kname'
echo "$k"
echo '=== export'
mdadm --detail --export "/dev/md/$name" 2>/dev/null
echo '=== detail'
mdadm --detail "/dev/md/$name" 2>/dev/null
echo '=== members'
for s in "/sys/block/$k/slaves/"*; do [ -e "$s" ] && printf '%s %s\\n' "\${s##*/}" "$(serial_of "\${s##*/}")"; done
echo '=== size'
echo $(( $(cat "/sys/block/$k/size") * 512 ))
echo '=== scan'
mdadm --detail --scan "/dev/md/$name" 2>/dev/null
echo '=== mdadm.conf'
grep '^ARRAY' "$conf" 2>/dev/null
for mp in "$@"; do
  echo "=== mount $mp"
  findmnt -rn -o SOURCE,FSTYPE --mountpoint "$mp" 2>/dev/null
  echo '--- fstab'
  MP=$mp awk '!/^[[:space:]]*#/ && $2 == ENVIRON["MP"]' /etc/fstab 2>/dev/null
done`;
