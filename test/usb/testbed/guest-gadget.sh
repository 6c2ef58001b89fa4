#!/bin/sh
# Runs INSIDE the test-bed guest (dummy_hcd, libcomposite, usb_f_fs loaded by init):
# our emulated sysmoOCTSIM as a real USB device through a configfs gadget + FunctionFS,
# then our driver's workload on it (and libccid's when pcscd is there).
#
# Environment: B = bundle directory, RESULTS = results directory (the 9p share),
#   CARD_MS (default 20), APDUS (default 100), VIDPID (default 1d50:6141, sysmocom's own
#   id for the sysmoOCTSIM: libccid and our list know it), LIBCCID=1 to compare with
#   pcscd + libccid, BUSY1=1 to run again with bMaxCCIDBusySlots = 1, VARIANTS = our
#   driver's runs: a Node USB backend, optionally +jitless (node --jitless: V8's
#   interpreter only, see README), default "libusb nusb libusb+jitless".
set -u
B="${B:?}"
R="${RESULTS:-/testbed}"
CARD_MS="${CARD_MS:-20}"
APDUS="${APDUS:-100}"
VIDPID="${VIDPID:-1d50:6141}"
VID="${VIDPID%:*}"
PID="${VIDPID#*:}"
export UV_THREADPOOL_SIZE=8
rc=0
G=/sys/kernel/config/usb_gadget/ccid
FFS=/dev/ffs-ccid

mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config

gadget_up() { # card time, extra serve options
  mkdir -p "$G/strings/0x409" "$G/configs/c.1/strings/0x409" "$G/functions/ffs.ccid"
  echo "0x$VID" >"$G/idVendor"
  echo "0x$PID" >"$G/idProduct"
  echo 0x0100 >"$G/bcdDevice"
  echo 0x0200 >"$G/bcdUSB"
  echo "sysmocom - s.f.m.c. GmbH" >"$G/strings/0x409/manufacturer"
  echo "sysmoOCTSIM (ccid emulator)" >"$G/strings/0x409/product"
  echo "TESTBED1" >"$G/strings/0x409/serialnumber"
  echo "CCID" >"$G/configs/c.1/strings/0x409/configuration"
  echo 100 >"$G/configs/c.1/MaxPower"
  [ -e "$G/configs/c.1/ffs.ccid" ] || ln -s "$G/functions/ffs.ccid" "$G/configs/c.1/"
  mkdir -p "$FFS"
  mountpoint -q "$FFS" || mount -t functionfs ccid "$FFS"
  rm -f /tmp/ffs.ready
  node "$B/guest-gadget-serve.js" "$FFS" /tmp/ffs.ready --card-ms "$1" $2 >>"$R/serve.log" 2>&1 &
  SERVE=$!
  n=0
  while [ ! -f /tmp/ffs.ready ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
  [ -f /tmp/ffs.ready ] || { echo "FAIL gadget: the FunctionFS server did not start (serve.log:)"; tail -20 "$R/serve.log"; return 1; }
  ls /sys/class/udc | head -1 >"$G/UDC"
  n=0
  while [ $n -lt 100 ]; do
    for d in /sys/bus/usb/devices/*; do
      [ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = "$VIDPID" ] && return 0
    done
    sleep 0.1
    n=$((n + 1))
  done
  echo "FAIL gadget: $VIDPID did not enumerate"
  return 1
}

gadget_down() {
  echo "" >"$G/UDC" 2>/dev/null
  kill "$SERVE" 2>/dev/null
  wait "$SERVE" 2>/dev/null
  umount "$FFS" 2>/dev/null
}

# pcscd + libccid + one pyscard process per slot, on 1 slot then on all 8 slots at once.
libccid_run() {
  command -v pcscd >/dev/null || { echo "SKIP libccid: pcscd is not installed"; return 0; }
  PLIST=/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist
  # libccid drives only the VID:PIDs its Info.plist lists; add ours (guest overlay only).
  /usr/bin/python3 - "$PLIST" "$VID" "$PID" <<'PY'
import re, sys
path, vid, pid = sys.argv[1], "0x%s" % sys.argv[2].upper(), "0x%s" % sys.argv[3].upper()
text = open(path).read()
def array(key):
    m = re.search(r"<key>%s</key>\s*<array>(.*?)</array>" % key, text, re.S)
    return re.findall(r"<string>(.*?)</string>", m.group(1))
pairs = set(zip([v.upper() for v in array("ifdVendorID")], [p.upper() for p in array("ifdProductID")]))
if (vid.upper(), pid.upper()) not in pairs:
    for key, value in (("ifdVendorID", vid), ("ifdProductID", pid), ("ifdFriendlyName", "ccid testbed gadget")):
        text = re.sub(r"(<key>%s</key>\s*<array>)" % key, r"\1\n\t\t<string>%s</string>" % value, text, count=1)
    open(path, "w").write(text)
    print("Info.plist: added %s:%s" % (vid, pid))
else:
    print("Info.plist: %s:%s already listed" % (vid, pid))
PY
  pcscd --foreground --error >"$R/pcscd.log" 2>&1 &
  PCSCD=$!
  n=0
  until /usr/bin/python3 -c "import sys; from smartcard.System import readers; sys.exit(0 if len([r for r in readers() if 'sysmoOCTSIM' in str(r)]) == 8 else 1)" 2>/dev/null; do
    n=$((n + 1))
    [ $n -lt 30 ] || { echo "FAIL libccid: pcscd shows no 8-slot reader"; kill $PCSCD; return 1; }
    sleep 1
  done
  echo "pcscd: $(/usr/bin/python3 -c "from smartcard.System import readers; print(readers()[0])" 2>/dev/null) ..."
  lrc=0
  # Four rounds, as for our driver; the best of them is reported for 1 and for 8 slots.
  LIBCCID_WALL_1=""
  LIBCCID_WALL_8=""
  for round in 1 2 3 4; do
  for slots in 1 8; do
    S=$(mktemp -d)
    i=0
    pids=""
    while [ $i -lt $slots ]; do
      timeout 300 /usr/bin/python3 "$(dirname "$0")/pcsc-workload.py" sysmoOCTSIM $i "$APDUS" "$S" >"$S/out.$i" 2>&1 &
      pids="$pids $!"
      i=$((i + 1))
    done
    n=0
    while [ "$(ls "$S" | grep -c '^ready')" -lt $slots ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n + 1)); done
    touch "$S/go"
    for p in $pids; do wait "$p"; done
    cat "$S"/out.* | grep -v '^RESULT' | head -5
    res=$(cat "$S"/out.* | grep '^RESULT')
    ok=$(echo "$res" | grep -c 'wrong=0 ')
    wall=$(echo "$res" | tr ' ' '\n' | awk -F= '$1=="start"{if(s==""||$2<s)s=$2} $1=="end"{if($2>e)e=$2} END{printf "%.0f", (e-s)*1000}')
    echo "RESULT libccid round=$round slots=$slots card=${CARD_MS}ms apdus=$APDUS wall=$wall ok=$ok/$slots"
    [ "$ok" = "$slots" ] || { echo "FAIL libccid workload on $slots slot(s)"; lrc=1; }
    eval "best=\${LIBCCID_WALL_$slots:-}"
    if [ -z "$best" ] || [ "$wall" -lt "$best" ]; then eval "LIBCCID_WALL_$slots=$wall"; fi
    rm -rf "$S"
  done
  done
  kill $PCSCD 2>/dev/null
  wait $PCSCD 2>/dev/null
  awk -v w1="$LIBCCID_WALL_1" -v w8="$LIBCCID_WALL_8" -v n="$APDUS" -v c="$CARD_MS" 'BEGIN{printf "RESULT libccid card=%sms apdus=%s wall1=%s wall8=%s ratio=%.2f overhead=%.2f\n", c, n, w1, w8, w8/w1, w1/n-c}'
  # Ours against libccid, same boot, same gadget: wall-time ratios ours / libccid per run.
  for f in "$R"/ours-card"$CARD_MS"-*.txt; do
    grep -h '^RESULT ours' "$f" | tr ' ' '\n' | awk -F= -v w1="$LIBCCID_WALL_1" -v w8="$LIBCCID_WALL_8" -v n="$APDUS" -v c="$CARD_MS" '
      NR==2{name=$0} $1=="wall1"{o1=$2} $1=="wall8"{o8=$2}
      END{if (o1 > 0) printf "COMPARE %s / libccid: wall(1 slot) %.2f, wall(8 slots) %.2f; wall(8)/wall(1) %.2f vs %.2f; overhead per APDU %.2f vs %.2f ms\n", name, o1/w1, o8/w8, o8/o1, w8/w1, o1/n-c, w1/n-c}'
  done
  return $lrc
}

# Our driver's workload on the gadget; $1 = label of the run, $2 = variant (backend[+jitless]).
ours_run() {
  be="${2%%+*}"
  opts="${OURS_NODE_OPTS:-}"
  # Node flags a variant may add (backend+flag+flag...), to see where the time goes under TCG.
  for f in $(echo "${2#"$be"}" | tr '+' ' '); do
    case "$f" in
      jitless) opts="$opts --jitless" ;;
      noopt) opts="$opts --no-opt --no-maglev" ;;
      nosparkplug) opts="$opts --no-sparkplug" ;;
      semi) opts="$opts --max-semi-space-size=64" ;;
      stgc) opts="$opts --single-threaded-gc" ;;
      single) opts="$opts --single-threaded" ;;
      nowp) opts="$opts --no-write-protect-code-memory" ;;
    esac
  done
  # OURS_NODE_OPTS: extra node options for our driver (e.g. --cpu-prof --cpu-prof-dir=/testbed/prof).
  timeout 300 node $opts "$B/guest-gadget-driver.js" --usb "$be" --label "$2" --apdus "$APDUS" --card-ms "$CARD_MS" --vid-pid "$VIDPID" --json "$R/ours-$1-$2.json" >"$R/ours-$1-$2.txt" 2>&1
  drc=$?
  grep -v '^info slot' "$R/ours-$1-$2.txt"
  [ $drc = 0 ] && grep -q '^RESULT ours' "$R/ours-$1-$2.txt"
}

t0=$(date +%s)
if gadget_up "$CARD_MS" ""; then
  echo "gadget up in $(($(date +%s) - t0)) s: $(lsusb -d "$VIDPID")"
  lsusb -v -d "$VIDPID" >"$R/gadget-lsusb.txt" 2>&1
  timeout 90 node "$B/ccid.js" list || { echo "FAIL ccid list on the gadget"; rc=1; }
  # The two npm usb lines with no driver layer (per-transfer cost; issue 8 item 3). They run
  # first, so that the emulator's own Node process has compiled its hot code before any
  # driver is measured (the first client of a fresh emulator pays for that).
  timeout 120 node "$B/guest-usb-raw.js" v3 --apdus "$APDUS" --vid-pid "$VIDPID" || rc=1
  timeout 120 node "$B/guest-usb-raw.js" v2 --apdus "$APDUS" --vid-pid "$VIDPID" || rc=1
  for v in ${VARIANTS:-libusb nusb libusb+jitless}; do ours_run "card$CARD_MS" "$v" || rc=1; done
  [ -n "${EXPERIMENT:-}" ] && eval "$EXPERIMENT"
  if [ "$LIBCCID" = 1 ]; then libccid_run || rc=1; fi
  gadget_down
  if [ "${BUSY1:-0}" = 1 ]; then
    # The same with bMaxCCIDBusySlots forced to 1: both drivers must serialize the slots.
    echo "--- bMaxCCIDBusySlots = 1"
    if gadget_up "$CARD_MS" "--busy-slots 1"; then
      for v in ${VARIANTS:-libusb nusb libusb+jitless}; do CCID_SKIP_RAW=1 ours_run "card$CARD_MS-busy1" "$v" || rc=1; done
      if [ "$LIBCCID" = 1 ]; then libccid_run || rc=1; fi
      gadget_down
    else
      rc=1
    fi
  fi
else
  rc=1
fi
echo "--- serve.log (tail)"
tail -5 "$R/serve.log"
exit $rc
