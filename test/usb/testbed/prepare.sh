#!/usr/bin/env bash
# Prepares the QEMU test bed (idempotent, cached outside the repository):
#   1. Debian packages the test bed needs (apt-get, --no-install-recommends);
#   2. Debian's stock kernel (linux-image-6.1.0-*-amd64, never -cloud: no USB, no 9p),
#      fetched with `apt-get download` and unpacked with `dpkg -x` (nothing goes to /boot);
#      module trees the guest never needs are pruned, then `depmod`;
#   3. the uncompressed `vmlinux` (PVH boot: QEMU jumps straight in, skipping the ~4 s the
#      decompressor takes under TCG);
#   4. a busybox initramfs holding `/init` and the modules needed to mount the root
#      (virtio, 9p, overlay); every other module is loaded later from the unpacked tree.
# Prints the cache directory's variables as `KEY=value` lines on stdout (sourced by run.sh).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${CCID_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ccid-testbed}"
mkdir -p "$CACHE/dl"
log() { echo "[prepare] $*" >&2; }

# ---------------------------------------------------------------- 1. packages
PACKAGES=(qemu-system-x86 busybox-static kmod cpio xz-utils usbutils libnss3-tools pcscd libccid pcsc-tools python3-pyscard tshark)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# ---------------------------------------------------------------- 2. kernel
# The newest stock amd64 flavour apt knows of, unless pinned with CCID_TESTBED_KERNEL_PKG.
KPKG="${CCID_TESTBED_KERNEL_PKG:-}"
if [[ -z "$KPKG" ]]; then
  if [[ -f "$CACHE/kernel-package" ]]; then
    KPKG="$(cat "$CACHE/kernel-package")"
  else
    KPKG="$(apt-cache pkgnames linux-image-6.1.0- | grep -E '^linux-image-6\.1\.0-[0-9]+-amd64$' | sort -V | tail -1)"
  fi
fi
[[ -n "$KPKG" ]] || { log "no linux-image-6.1.0-*-amd64 package known to apt (run apt-get update)"; exit 1; }
KVER="${KPKG#linux-image-}"
KDIR="$CACHE/kernel-$KVER"
if [[ ! -f "$KDIR/.ready" ]]; then
  rm -rf "$KDIR"
  deb="$(ls "$CACHE/dl/${KPKG}_"*.deb 2>/dev/null | head -1 || true)"
  if [[ -z "$deb" ]]; then
    log "downloading $KPKG"
    (cd "$CACHE/dl" && apt-get download "$KPKG" >&2 2>/dev/null) || (cd "$CACHE/dl" && apt-get download "$KPKG" >&2)
    deb="$(ls "$CACHE/dl/${KPKG}_"*.deb | head -1)"
  fi
  log "unpacking $deb"
  dpkg -x "$deb" "$KDIR"
  # Prune what a headless guest with virtio and emulated USB never loads (~300 MB → ~100 MB).
  M="$KDIR/lib/modules/$KVER/kernel"
  rm -rf "$M/sound" "$M/drivers/gpu" "$M/drivers/media" "$M/drivers/net/wireless" "$M/drivers/net/ethernet" \
    "$M/drivers/infiniband" "$M/drivers/iio" "$M/net/wireless" "$M/net/mac80211" "$M/drivers/bluetooth" \
    "$M/drivers/staging" "$M/drivers/scsi" "$M/drivers/md" "$M/drivers/isdn" "$M/drivers/hid" "$M/drivers/input"
  depmod -b "$KDIR" "$KVER"
  # vmlinux from the bzImage: the setup header gives the payload's offset and length at
  # 0x248/0x24C (relative to the protected-mode code, which starts after (setup_sects+1)
  # 512-byte sectors, setup_sects at 0x1F1). Debian compresses the payload with xz; the
  # 4-byte size appended after the xz stream is skipped by --single-stream.
  bz="$KDIR/boot/vmlinuz-$KVER"
  setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
  if ((setup_sects == 0)); then setup_sects=4; fi
  poff=$(od -An -tu4 -j $((0x248)) -N4 "$bz" | tr -d ' ')
  plen=$(od -An -tu4 -j $((0x24c)) -N4 "$bz" | tr -d ' ')
  start=$(((setup_sects + 1) * 512 + poff))
  # (tail dies of SIGPIPE once head has its bytes: not an error.)
  { tail -c +$((start + 1)) "$bz" || true; } | head -c "$plen" | xz -dc --single-stream >"$KDIR/vmlinux"
  file_magic="$(od -An -tx1 -N4 "$KDIR/vmlinux" | tr -d ' ')"
  [[ "$file_magic" == 7f454c46 ]] || { log "vmlinux extraction failed"; exit 1; }
  touch "$KDIR/.ready"
fi
echo "$KPKG" >"$CACHE/kernel-package"

# ---------------------------------------------------------------- 3. initramfs
# Rebuilt when /init changes.
INITRD="$CACHE/initramfs-$KVER.cpio.gz"
stamp="$(sha256sum "$HERE/init" | cut -c1-16)"
if [[ ! -f "$INITRD" || "$(cat "$INITRD.stamp" 2>/dev/null)" != "$stamp" ]]; then
  log "building initramfs"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work"/{bin,dev,proc,sys,mnt,newroot,modules}
  cp /bin/busybox "$work/bin/busybox"
  for applet in sh mount umount mkdir insmod sleep ls cat echo poweroff chroot ln mknod rm tr sync; do
    ln -s busybox "$work/bin/$applet"
  done
  # Modules (with their dependencies, in load order) needed before the root is mounted.
  : >"$work/modules/order"
  for m in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' | while read -r ko; do
      base="$(basename "$ko")"
      grep -qx "$base" "$work/modules/order" && continue
      cp "$ko" "$work/modules/$base"
      echo "$base" >>"$work/modules/order"
    done
  done
  cp "$HERE/init" "$work/init"
  chmod +x "$work/init"
  (cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$INITRD"
  echo "$stamp" >"$INITRD.stamp"
fi

# ---------------------------------------------------------------- 4. NSS database for ccid-card-emulated
NSSDB="$CACHE/nssdb"
if [[ ! -f "$NSSDB/.ready" ]]; then
  log "creating the NSS certificate database"
  rm -rf "$NSSDB" && mkdir -p "$NSSDB"
  certutil -N -d "sql:$NSSDB" --empty-password
  noise="$(mktemp)"
  head -c 1024 /dev/urandom >"$noise"
  certutil -S -d "sql:$NSSDB" -s "CN=ccid testbed id" -n id-cert -x -t "CT,CT,CT" -v 120 -m 1 -z "$noise" >/dev/null 2>&1
  certutil -S -d "sql:$NSSDB" -s "CN=ccid testbed signing" -n signing-cert -c id-cert -t ",," -v 120 -m 2 -z "$noise" >/dev/null 2>&1
  certutil -S -d "sql:$NSSDB" -s "CN=ccid testbed encryption" -n encryption-cert -c id-cert -t ",," -v 120 -m 3 -z "$noise" >/dev/null 2>&1
  rm -f "$noise"
  touch "$NSSDB/.ready"
fi

echo "TESTBED_CACHE=$CACHE"
echo "TESTBED_KVER=$KVER"
echo "TESTBED_KDIR=$KDIR"
echo "TESTBED_VMLINUX=$KDIR/vmlinux"
echo "TESTBED_INITRD=$INITRD"
echo "TESTBED_NSSDB=$NSSDB"
