#!/bin/bash
# Builds the VM lab's Debian image: a debootstrap tree with a kernel, packed into an ext4 disk
# image, plus the kernel and initramfs qemu boots directly (-kernel/-initrd: no bootloader).
#
#   image.sh OUT_DIR SUITE MIRROR        (LAB_PASSWORD in the environment)
#
# Writes OUT_DIR/{vmlinuz,initrd.img,root.img,dpkg-status}. The cache is keyed by a hash of this
# file (see vm.sh), so any change here rebuilds the image: keep everything the image contains in
# this one file. Per-VM identity (hostname, the instance's ssh key) is not baked in; it arrives at
# boot through qemu's fw_cfg, so one cached image serves every lab instance.
set -euo pipefail

out=$1 suite=$2 mirror=$3
: "${LAB_PASSWORD:?LAB_PASSWORD must be set}"

# mdadm, lvm2 and xfsprogs are left out on purpose: a bare server lacks them and the storage step
# installs them from the lab's apt repository, as it would from an offline bundle.
packages=systemd-sysv,udev,kmod,linux-image-amd64,initramfs-tools,openssh-server,iproute2,iputils-ping
packages+=,procps,util-linux,e2fsprogs,sudo,python3,dmidecode,ca-certificates,less,lsb-release,ethtool
packages+=,pciutils,lshw

root=$out/tree
mkdir -p "$root"
# The tree is built in memory (~1 GiB at most) and packed into the disk image once at the end:
# dpkg syncs every file it unpacks, and on a busy disk that made this build 24 min of a CI run.
mount -t tmpfs -o size=4g,mode=0755 rackside-vm-tree "$root"
trap 'umount -R "$root" 2>/dev/null || true' EXIT
# INITRD=No: the kernel package makes no initramfs of its own (a full one, MODULES=most); the
# small one below is the only one built.
INITRD=No debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror"

kver=$(basename "$(ls -d "$root"/lib/modules/*)")

# --- identity and logins ---------------------------------------------------------------------------
echo vm > "$root/etc/hostname"
# systemd creates a fresh machine-id on first boot when the file is empty: one per VM
: > "$root/etc/machine-id"
rm -f "$root"/etc/ssh/ssh_host_*
hash=$(openssl passwd -6 "$LAB_PASSWORD")
chroot "$root" usermod -p "$hash" root
chroot "$root" useradd -m -s /bin/bash -G sudo -p "$hash" lab
install -d -m 700 "$root/root/.ssh"
install -d -m 700 "$root/home/lab/.ssh"
chroot "$root" chown lab:lab /home/lab/.ssh

cat > "$root/etc/ssh/sshd_config" <<'EOF'
# Rackside VM lab sshd configuration (same logins as the namespace lab's nodes)
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
UsePAM yes
UseDNS no
# ed25519 and ECDSA host keys only (made on first boot): RSA-3072 took ~15 s of that boot under TCG
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
MaxStartups 100:30:200
LogLevel VERBOSE
PrintMotd no
X11Forwarding no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF

# Per-VM identity from qemu's fw_cfg (written by vm.sh): hostname and the lab instance's client
# key. Runs before sshd, and makes the VM's own host keys on first boot.
cat > "$root/usr/local/sbin/rackside-lab-identity" <<'EOF'
#!/bin/sh
set -e
modprobe qemu_fw_cfg 2>/dev/null || true
cfg=/sys/firmware/qemu_fw_cfg/by_name/opt/org.rackside.lab
if [ -r "$cfg/hostname/raw" ]; then
  name=$(cat "$cfg/hostname/raw")
  echo "$name" > /etc/hostname
  hostname "$name"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n10.0.2.100 rackside-lab-host\n' "$name" > /etc/hosts
fi
if [ -r "$cfg/authorized_keys/raw" ]; then
  for home in /root /home/lab; do
    cat "$cfg/authorized_keys/raw" > "$home/.ssh/authorized_keys"
    chmod 600 "$home/.ssh/authorized_keys"
  done
  chown lab:lab /home/lab/.ssh/authorized_keys
fi
for t in ed25519 ecdsa; do
  [ -s "/etc/ssh/ssh_host_${t}_key" ] || ssh-keygen -q -N '' -t "$t" -f "/etc/ssh/ssh_host_${t}_key"
done
EOF
chmod 755 "$root/usr/local/sbin/rackside-lab-identity"
cat > "$root/etc/systemd/system/rackside-lab-identity.service" <<'EOF'
[Unit]
Description=Rackside lab: hostname, authorized keys and host keys from qemu fw_cfg
DefaultDependencies=no
After=local-fs.target systemd-modules-load.service
Before=ssh.service network-pre.target
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/rackside-lab-identity

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/rackside-lab-identity.service \
  "$root/etc/systemd/system/multi-user.target.wants/rackside-lab-identity.service"

# --- filesystem, network, apt ----------------------------------------------------------------------
echo '/dev/vda / ext4 defaults,noatime 0 1' > "$root/etc/fstab"
# qemu user networking: the guest is 10.0.2.15, the gateway 10.0.2.2; static, so nothing waits on DHCP
cat > "$root/etc/systemd/network/20-lab.network" <<'EOF'
[Match]
Name=eth0

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
EOF
ln -sf /lib/systemd/system/systemd-networkd.service \
  "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
printf '127.0.0.1 localhost\n10.0.2.100 rackside-lab-host\n' > "$root/etc/hosts"
: > "$root/etc/resolv.conf"
# The only package source: the lab's repository, reached through qemu's guestfwd on 10.0.2.100.
printf '# Rackside lab VMs are offline; packages come from the lab repository.\n' > "$root/etc/apt/sources.list"
echo 'deb [trusted=yes] http://10.0.2.100:8080 ./' > "$root/etc/apt/sources.list.d/rackside-lab.list"

# Nothing that waits for "online", does background work or needs the network.
for unit in systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
            dpkg-db-backup.timer e2scrub_all.timer fstrim.timer e2scrub_reap.service \
            mdcheck_start.timer mdcheck_continue.timer mdmonitor-oneshot.timer getty@tty1.service \
            systemd-timesyncd.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done

# --- kernel and initramfs --------------------------------------------------------------------------
# A small initramfs with just what mounts /dev/vda. qemu boots the kernel and initramfs from the
# cache, so later initramfs updates inside a VM (mdadm's and lvm2's hooks) would be wasted time
# under TCG: they are switched off once this one is built.
sed -i 's/^MODULES=.*/MODULES=list/' "$root/etc/initramfs-tools/initramfs.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' > "$root/etc/initramfs-tools/modules"
mount --bind /proc "$root/proc"
mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
chroot "$root" update-initramfs -u -k "$kver" > /dev/null
umount "$root/dev" "$root/sys" "$root/proc"
sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$root/etc/initramfs-tools/update-initramfs.conf"

cp "$root/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$out/initrd.img"
chroot "$root" apt-get clean
cp "$root/var/lib/dpkg/status" "$out/dpkg-status"

# 3 GiB sparse, room for packages and logs; each VM writes only into its own qcow2 overlay.
mkfs.ext4 -q -F -L root -d "$root" "$out/root.img" 3G
umount "$root"
trap - EXIT
rmdir "$root"
