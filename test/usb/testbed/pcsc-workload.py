#!/usr/bin/python3
"""Runs INSIDE the test-bed guest: the USIM workload through PC/SC (pcscd + libccid),
one process per slot, as the reference measurements did.

    pcsc-workload.py READER_SUBSTRING SLOT APDUS SYNC_DIR

Connects to the reader whose name contains READER_SUBSTRING and ends with the slot
number (" 00 0N"), powers the card on (T=0), SELECTs EF ICCID, reads it once, writes
SYNC_DIR/ready.SLOT and waits for SYNC_DIR/go (so that the processes of one run start
together, process start-up excluded), then sends APDUS x READ BINARY, checking each
answer. Prints one line: RESULT slot=N start=... end=... wrong=K iccid=...
"""
import os
import sys
import time

from smartcard.System import readers
from smartcard.scard import SCARD_PROTOCOL_T0

SELECT_ICCID = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2]
READ_ICCID = [0x00, 0xB0, 0x00, 0x00, 0x0A]


def main():
    name, slot, apdus, sync = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    suffix = " 00 %02X" % slot
    candidates = [r for r in readers() if name in str(r) and str(r).endswith(suffix)]
    if not candidates:
        print("FAIL slot=%d: no reader '%s...%s' in %s" % (slot, name, suffix, [str(r) for r in readers()]))
        return 1
    connection = candidates[0].createConnection()
    connection.connect(SCARD_PROTOCOL_T0)
    _, sw1, sw2 = connection.transmit(SELECT_ICCID)
    if (sw1, sw2) != (0x90, 0x00):
        print("FAIL slot=%d: SELECT answered %02X %02X" % (slot, sw1, sw2))
        return 1
    iccid, sw1, sw2 = connection.transmit(READ_ICCID)
    if (sw1, sw2) != (0x90, 0x00) or len(iccid) != 10:
        print("FAIL slot=%d: READ BINARY answered %02X %02X" % (slot, sw1, sw2))
        return 1
    open(os.path.join(sync, "ready.%d" % slot), "w").close()
    while not os.path.exists(os.path.join(sync, "go")):
        time.sleep(0.005)
    start = time.time()
    wrong = 0
    for _ in range(apdus):
        data, sw1, sw2 = connection.transmit(READ_ICCID)
        if (sw1, sw2) != (0x90, 0x00) or data != iccid:
            wrong += 1
    end = time.time()
    connection.disconnect()
    print("RESULT slot=%d start=%.6f end=%.6f wrong=%d iccid=%s" % (slot, start, end, wrong, "".join("%02X" % b for b in iccid)))
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
