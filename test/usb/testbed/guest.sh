#!/usr/bin/env bash
# Runs one shell command in a fresh QEMU guest (TCG) and returns its output and exit status.
#
#   guest.sh [--reader] [--modprobe "m1 args;m2"] [--wait-usb "vvvv:pppp ..."] [--timeout S]
#            [--share DIR] [--cwd DIR] -- COMMAND...
#
# --reader     attaches QEMU's own CCID reader (qemu-xhci + usb-ccid + ccid-card-emulated
#              with the NSS certificates made by prepare.sh) and loads xhci_pci.
# --share DIR  the read-write 9p share, /testbed in the guest (default: a temporary
#              directory, removed afterwards); results written there by the command stay.
# The command runs as root in the host's own file system (read-only 9p under a tmpfs
# overlay: writes outside /testbed and /tmp vanish), in --cwd (default: the repository).
# Output: the guest's serial console. Exit status: the command's, 124 when the run hit its
# timeout, 125 when the guest ended without reporting one.
# Needs the variables printed by prepare.sh in the environment (run.sh sets them).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
reader=0
modprobe=""
wait_usb=""
timeout=300
share=""
cwd="$REPO"
while (($#)); do
  case "$1" in
    --reader) reader=1 ;;
    --modprobe) modprobe="$2"; shift ;;
    --wait-usb) wait_usb="$2"; shift ;;
    --timeout) timeout="$2"; shift ;;
    --share) share="$2"; shift ;;
    --cwd) cwd="$2"; shift ;;
    --) shift; break ;;
    *) echo "guest.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
(($#)) || { echo "guest.sh: no command" >&2; exit 2; }
: "${TESTBED_VMLINUX:?run prepare.sh first (TESTBED_* variables)}"

own_share=0
if [[ -z "$share" ]]; then
  share="$(mktemp -d /tmp/ccid-testbed.XXXXXX)"
  own_share=1
fi
mkdir -p "$share"
rm -f "$share/rc"
printf '%s\n' "$*" >"$share/cmd"
args=(-accel tcg,thread=multi -cpu max -smp 2 -m 3072 -nographic -no-reboot -nodefaults
  -kernel "$TESTBED_VMLINUX" -initrd "$TESTBED_INITRD"
  -append "console=ttyS0 quiet loglevel=0 panic=-1 cryptomgr.notests"
  -chardev stdio,id=con,signal=off -serial chardev:con
  -fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap
  -device virtio-9p-pci,fsdev=root,mount_tag=hostroot
  -fsdev "local,id=out,path=$share,security_model=none,multidevs=remap"
  -device virtio-9p-pci,fsdev=out,mount_tag=testbed)
if ((reader)); then
  # qboot halts when ccid-card-emulated is attached (QEMU.md): keep the default SeaBIOS.
  args+=(-device qemu-xhci,id=xhci -device usb-ccid,bus=xhci.0,id=ccid
    -device "ccid-card-emulated,backend=certificates,db=sql:$TESTBED_NSSDB,cert1=id-cert,cert2=signing-cert,cert3=encryption-cert")
  modprobe="xhci_pci;$modprobe"
  wait_usb="08e6:4433 $wait_usb"
else
  args+=(-bios /usr/share/qemu/qboot.rom)
fi
cat >"$share/guest.env" <<EOF
TESTBED_KVER='$TESTBED_KVER'
TESTBED_KDIR='$TESTBED_KDIR'
TESTBED_CWD='$cwd'
TESTBED_MODPROBE='$modprobe'
TESTBED_WAIT_USB='$wait_usb'
EOF

# Bound the run: `timeout` signals only the QEMU it started (TERM, then KILL 5 s later).
set +e
timeout -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null
qrc=$?
set -e
if [[ -f "$share/rc" ]]; then
  rc="$(cat "$share/rc")"
elif ((qrc == 124 || qrc == 137)); then
  echo "guest.sh: timeout after ${timeout}s" >&2
  rc=124
else
  rc=125
fi
((own_share)) && rm -rf "$share"
exit "$rc"
