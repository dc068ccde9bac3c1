#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Read a diskdump file back with libkdumpfile (Debian: python3-libkdumpfile).

usage: kdump_read.py DUMP RAM [VMCOREINFO [MACHINE]]

RAM holds the expected guest RAM as records: a line "ADDRESS SIZE\\n", then
SIZE bytes.  Every record is read from DUMP at that machine-physical address
and compared.  With VMCOREINFO, the dump's raw VMCOREINFO must equal it.
With MACHINE (the header has a whole utsname), libkdumpfile must have taken
the utsname from the header: its linux.uts.machine is MACHINE, and it knows
the architecture (what drgn needs of it).
Run with Debian's /usr/bin/python3 (the bindings are built for it).
"""
import sys

import kdumpfile


def main():
    dump, ram = sys.argv[1], sys.argv[2]
    k = kdumpfile.kdumpfile(dump)
    n = 0
    with open(ram, "rb") as f:
        while True:
            line = f.readline()
            if not line:
                break
            addr, size = (int(x) for x in line.split())
            want = f.read(size)
            got = k.read(kdumpfile.KDUMP_MACHPHYSADDR, addr, size)
            if bytes(got) != want:
                sys.exit("%s: page at 0x%x differs" % (dump, addr))
            n += 1
    if len(sys.argv) > 3:
        raw = bytes(k.attr["linux.vmcoreinfo.raw"]).decode()
        if raw != sys.argv[3]:
            sys.exit("%s: VMCOREINFO %r, expected %r" % (dump, raw, sys.argv[3]))
    if len(sys.argv) > 4:
        machine = str(k.attr["linux.uts.machine"])
        if machine != sys.argv[4]:
            sys.exit("%s: linux.uts.machine %r, expected %r" % (
                dump, machine, sys.argv[4]))
        if "name" not in k.attr["arch"]:
            sys.exit("%s: libkdumpfile did not learn the arch" % dump)
    print("%s: %d pages equal" % (dump, n))


if __name__ == "__main__":
    main()
