#!/usr/bin/env bash
# The real-USB end-to-end test bed (README.md, "Real USB test bed"); `npm run test:usb` runs it
# through test/usb/testbed/testbed.test.ts.
#
#   test/usb/testbed/run.sh [--only qemu-reader|gadget] [--keep DIR]
#
# 1. prepare.sh: Debian packages, Debian's stock kernel, vmlinux, initramfs, NSS db (cached
#    in ${XDG_CACHE_HOME:-$HOME/.cache}/ccid-testbed);
# 2. bundles the guest entry points with esbuild (tsx compiling ~150 TypeScript modules
#    under TCG costs 70–130 s per process; one bundled file loads in ~5 s);
# 3. guest run "qemu-reader": QEMU's usb-ccid reader through the guest kernel, on both Node
#    USB backends (npm usb 2.x/libusb, the default, and 3.x/nusb): ccid list, ccid info,
#    lsusb -v, power on / SELECT / GET RESPONSE / power off with a pcap, then host-side
#    checks (lsusb, sysfs, tshark);
# 4. guest run "gadget": our emulator (sysmoOCTSIM, 8 slots) as a FunctionFS gadget on
#    dummy_hcd, driven by our driver on every slot on both backends, the two npm usb lines
#    bare, and pcscd + libccid with one pyscard process per slot; wall times, ratios.
# Exit status: 0 when every functional check passed (timings never fail the run).
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
only=""
keep=""
while (($#)); do
  case "$1" in
    --only) only="$2"; shift ;;
    --keep) keep="$2"; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

t_start=$(date +%s)
env_lines="$("$HERE/prepare.sh")" || { echo "FAIL prepare"; exit 1; }
while IFS= read -r line; do export "${line?}"; done <<<"$env_lines"

# ---------------------------------------------------------------- bundle
BUNDLE="$TESTBED_CACHE/bundle"
mkdir -p "$BUNDLE"
echo '{"type":"module"}' >"$BUNDLE/package.json"
ln -sfn "$REPO/node_modules" "$BUNDLE/node_modules"
entries=("$REPO/src/cli/main.ts")
for f in "$HERE"/guest-*.ts; do entries+=("$f"); done
if ! "$REPO/node_modules/.bin/esbuild" "${entries[@]}" --bundle --platform=node --format=esm --target=node20 \
  --external:usb --external:usb-libusb --outdir="$BUNDLE" --entry-names='[name]' --log-level=warning; then
  echo "FAIL bundle"
  exit 1
fi
# main.ts runs itself only when started as `ccid`/`ccid.js`/`main.ts`.
mv -f "$BUNDLE/main.js" "$BUNDLE/ccid.js"

results="${keep:-$(mktemp -d /tmp/ccid-testbed-results.XXXXXX)}"
mkdir -p "$results"
failed=()
passed=()
timings=()

run_scenario() { # name, guest.sh options..., -- command
  local name="$1"
  shift
  local dir="$results/$name"
  rm -rf "$dir" && mkdir -p "$dir"
  local t0=$(date +%s)
  echo "=== $name (guest)"
  "$HERE/guest.sh" --share "$dir" "$@" 2>&1 | tee "$dir/console.log" | grep --line-buffered -v -e '^SeaBIOS' -e 'Booting from ROM' | sed -u 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
  local rc=${PIPESTATUS[0]}
  timings+=("$name: $(($(date +%s) - t0)) s (guest exit $rc)")
  return "$rc"
}

# ---------------------------------------------------------------- QEMU's reader
if [[ -z "$only" || "$only" == qemu-reader ]]; then
  if run_scenario qemu-reader --reader --timeout 300 -- "
    set -u
    B='$BUNDLE'
    rc=0
    for d in /sys/bus/usb/devices/*; do
      [ \"\$(cat \$d/idVendor 2>/dev/null):\$(cat \$d/idProduct 2>/dev/null)\" = 08e6:4433 ] && od -An -tx1 -v \$d/descriptors >/testbed/sysfs-descriptors.hex
    done
    lsusb -v -d 08e6:4433 >/testbed/lsusb.txt 2>&1
    timeout 90 node \$B/ccid.js list --json >/testbed/list.json || { echo 'FAIL ccid list'; rc=1; }
    timeout 90 node \$B/ccid.js info --json >/testbed/info.json || { echo 'FAIL ccid info'; rc=1; }
    timeout 120 node \$B/ccid.js list
    timeout 120 node \$B/guest-qemu-reader.js --usb libusb --capture /testbed/qemu-reader.pcap --json /testbed/qemu-reader.json || rc=1
    timeout 90 node \$B/ccid.js list --usb nusb || { echo 'FAIL ccid list --usb nusb'; rc=1; }
    timeout 120 node \$B/guest-qemu-reader.js --usb nusb --capture /testbed/qemu-reader-nusb.pcap --json /testbed/qemu-reader-nusb.json || rc=1
    exit \$rc
  "; then passed+=("qemu-reader (guest)"); else failed+=("qemu-reader (guest)"); fi
  echo "=== qemu-reader (host checks)"
  if npx tsx "$HERE/check-qemu-reader.ts" "$results/qemu-reader" 2>&1 | tee "$results/qemu-reader/host-checks.log"; (( PIPESTATUS[0] == 0 )); then passed+=("qemu-reader (host checks)"); else failed+=("qemu-reader (host checks)"); fi
fi

# ---------------------------------------------------------------- our emulator as a gadget
if [[ -z "$only" || "$only" == gadget ]]; then
  # The default run takes 6–7 minutes under TCG (four rounds of each driver); BUSY1=1 adds a
  # second, serialised pass; GADGET_TIMEOUT overrides.
  gadget_timeout="${GADGET_TIMEOUT:-$(( ${BUSY1:-0} == 1 ? 1500 : 720 ))}"
  if run_scenario gadget --modprobe "dummy_hcd is_high_speed=0;libcomposite;usb_f_fs" --timeout "$gadget_timeout" -- \
    "B='$BUNDLE' RESULTS=/testbed APDUS=${APDUS:-100} CARD_MS=${CARD_MS:-20} LIBCCID=${LIBCCID:-1} BUSY1=${BUSY1:-0} VARIANTS='${VARIANTS:-libusb nusb libusb+jitless}' OURS_NODE_OPTS='${OURS_NODE_OPTS:-}' EXPERIMENT='${EXPERIMENT:-}' sh '$HERE/guest-gadget.sh'"; then
    passed+=("gadget (guest)")
  else
    failed+=("gadget (guest)")
  fi
fi

echo "=== summary ($(($(date +%s) - t_start)) s in all; results in $results)"
for t in "${timings[@]}"; do echo "  time $t"; done
for p in "${passed[@]}"; do echo "  PASS $p"; done
for f in "${failed[@]}"; do echo "  FAIL $f"; done
[[ -z "$keep" ]] && ((${#failed[@]} == 0)) && rm -rf "$results"
((${#failed[@]} == 0))
