# SPDX-License-Identifier: GPL-2.0-or-later
"""A small reader of makedumpfile's diskdump ("compressed kdump") files, to
say *where* two of them differ (tests/e2e/test_kdump_formats.py,
tests/linux/run).  Not a decoder of page data: that is left to the
consumers under test (libkdumpfile, crash, makedumpfile).

    d = Diskdump(path)                  # the plain file (KDUMP signature)
    d.header, d.sub                     # dicts of the header fields
    d.notes                             # the ELF note bytes
    d.bitmap1, d.bitmap2                # the two page bitmaps
    d.descriptors()                     # [(offset, size, flags, page_flags)]
    differences(a, b)                   # [text], empty when equivalent
    only_layout(diffs), only_guest_facts(diffs, arch)   # explained ones?
    is_flattened(path)                  # makedumpfile's flat stream?

Only the 64-bit layouts (what QEMU writes for x86_64, aarch64 and s390x
guests), either byte order.  Python 3 standard library only.
"""

import os
import struct

FLAT_SIGNATURE = b"makedumpfile\0\0\0\0"
KDUMP_SIGNATURE = b"KDUMP   "
PD_SIZE = 24

# disk_dump_header, 64-bit: name, offset, struct format.
HEADER = [("header_version", 8, "i"), ("status", 424, "I"),
          ("block_size", 428, "i"), ("sub_hdr_size", 432, "i"),
          ("bitmap_blocks", 436, "I"), ("max_mapnr", 440, "I"),
          ("total_ram_blocks", 444, "I"), ("device_blocks", 448, "I"),
          ("written_blocks", 452, "I"), ("current_cpu", 456, "I"),
          ("nr_cpus", 460, "i")]
UTS_FIELDS = ("sysname", "nodename", "release", "version", "machine",
              "domainname")
# kdump_sub_header, 64-bit, at block_size.
SUB = [("phys_base", 0, "Q"), ("dump_level", 8, "i"), ("split", 12, "i"),
       ("start_pfn", 16, "Q"), ("end_pfn", 24, "Q"),
       ("offset_vmcoreinfo", 32, "Q"), ("size_vmcoreinfo", 40, "Q"),
       ("offset_note", 48, "Q"), ("size_note", 56, "Q"),
       ("offset_eraseinfo", 64, "Q"), ("size_eraseinfo", 72, "Q"),
       ("start_pfn_64", 80, "Q"), ("end_pfn_64", 88, "Q"),
       ("max_mapnr_64", 96, "Q")]
# Fields whose values are file offsets or sizes of the layout: they differ
# whenever the note area has another size, and say nothing by themselves.
LAYOUT_FIELDS = {"sub_hdr_size", "offset_vmcoreinfo", "offset_note",
                 "offset_eraseinfo"}


class DiskdumpError(Exception):
    pass


def is_flattened(path):
    with open(path, "rb") as f:
        return f.read(16) == FLAT_SIGNATURE


class Diskdump:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.size = os.fstat(f.fileno()).st_size
            head = f.read(464)
            if head[:8] != KDUMP_SIGNATURE:
                raise DiskdumpError("%s: no KDUMP signature (%r)" %
                                    (path, head[:16]))
            # The byte order: block_size is a small power of two, and
            # header_version a small number (4096 big-endian read as
            # little-endian is 1 MiB, a power of two too: s390x).
            for e in "<>":
                bs = struct.unpack_from(e + "i", head, 428)[0]
                hv = struct.unpack_from(e + "i", head, 8)[0]
                if 4096 <= bs <= 1 << 20 and bs & (bs - 1) == 0 and \
                        0 < hv < 256:
                    break
            else:
                raise DiskdumpError("%s: implausible block_size" % path)
            self.endian = e
            self.header = {n: struct.unpack_from(e + t, head, o)[0]
                           for n, o, t in HEADER}
            self.header["timestamp"] = struct.unpack_from(e + "qq", head,
                                                          408)
            for i, n in enumerate(UTS_FIELDS):
                raw = head[12 + 65 * i:12 + 65 * (i + 1)]
                self.header["utsname." + n] = raw.split(b"\0")[0].decode(
                    "ascii", "replace")
            self.bs = bs
            f.seek(bs)
            sub = f.read(104)
            self.sub = {n: struct.unpack_from(e + t, sub, o)[0]
                        for n, o, t in SUB}
            f.seek(self.sub["offset_note"])
            self.notes = f.read(self.sub["size_note"])
            f.seek(self.sub["offset_vmcoreinfo"])
            self.vmcoreinfo = f.read(self.sub["size_vmcoreinfo"])
            self.off_bitmap = (1 + self.header["sub_hdr_size"]) * bs
            half = self.header["bitmap_blocks"] * bs // 2
            f.seek(self.off_bitmap)
            self.bitmap1 = f.read(half)
            self.bitmap2 = f.read(half)
            self.off_desc = self.off_bitmap + 2 * half
            self.num_dumpable = sum(bin(b).count("1") for b in self.bitmap2)

    def descriptors(self):
        """Every page descriptor, in pfn order: (offset, size, flags,
        page_flags)."""
        with open(self.path, "rb") as f:
            f.seek(self.off_desc)
            raw = f.read(self.num_dumpable * PD_SIZE)
        if len(raw) != self.num_dumpable * PD_SIZE:
            raise DiskdumpError("%s: descriptors run past EOF" % self.path)
        return list(struct.iter_unpack(self.endian + "qIIQ", raw))

    def data(self, desc):
        with open(self.path, "rb") as f:
            f.seek(desc[0])
            return f.read(desc[1])


def differences(a, b, names=("ours", "QEMU's")):
    """What differs between two plain diskdump files, field by field and
    region by region (notes, bitmaps, every page's descriptor and data,
    compared by content: data offsets shift with the note area's size).
    [] when they are equivalent."""
    da, db = Diskdump(a), Diskdump(b)
    out = []

    def field(where, name, x, y):
        if x != y:
            out.append("%s %s: %s %r, %s %r" % (where, name, names[0], x,
                                                 names[1], y))
    for k in da.header:
        field("header", k, da.header[k], db.header[k])
    for k in da.sub:
        field("sub-header", k, da.sub[k], db.sub[k])
    if da.notes != db.notes:
        n = min(len(da.notes), len(db.notes))
        at = next((i for i in range(n) if da.notes[i] != db.notes[i]), n)
        out.append("notes differ at byte %d of %d/%d" % (
            at, len(da.notes), len(db.notes)))
    if da.bitmap1 != db.bitmap1:
        out.append("bitmap 1 differs")
    if da.bitmap2 != db.bitmap2:
        out.append("bitmap 2 differs")
    pa, pb = da.descriptors(), db.descriptors()
    if len(pa) != len(pb):
        out.append("%d page descriptors, %s %d" % (len(pa), names[1],
                                                   len(pb)))
        return out
    ndiff = 0
    first = None
    with open(a, "rb") as fa, open(b, "rb") as fb:
        for i, (x, y) in enumerate(zip(pa, pb)):
            same = x[1:] == y[1:]
            if same:
                fa.seek(x[0])
                fb.seek(y[0])
                same = fa.read(x[1]) == fb.read(y[1])
            if not same:
                ndiff += 1
                if first is None:
                    first = (i, x, y)
    if ndiff:
        i, x, y = first
        out.append("%d of %d pages differ (descriptor or data); first: "
                   "page %d size/flags %d/%#x, %s %d/%#x" % (
                       ndiff, len(pa), i, x[1], x[2], names[1], y[1], y[2]))
    # The data offset of the first page says how the layouts relate.
    if pa and pa[0][0] != pb[0][0]:
        out.append("page data starts at %#x, %s at %#x" % (
            pa[0][0], names[1], pb[0][0]))
    return out


def only_layout(diffs):
    """True when every difference is one the note area's size explains."""
    for d in diffs:
        word = d.split()
        if word[0] in ("header", "sub-header") and \
                word[1].rstrip(":") in LAYOUT_FIELDS:
            continue
        if d.startswith("page data starts at"):
            continue
        return False
    return True


def only_guest_facts(diffs, arch):
    """A summary when every difference between our file and QEMU's is a
    fact of the guest kernel that the tool writes, as makedumpfile does,
    and QEMU does not: the utsname (QEMU: the machine only, "Unknown" on
    arm) and, on aarch64, the kernel's page size as the block size (QEMU:
    64 KiB; then every count in pages, the bitmaps and the descriptors
    differ too, and the pages are compared through libkdumpfile instead).
    None if anything else differs."""
    uts, block = [], None
    for d in diffs:
        word = d.split()
        name = word[1].rstrip(":") if len(word) > 1 else ""
        if word[0] == "header" and name.startswith("utsname."):
            if d.endswith(("QEMU's ''", "QEMU's 'Unknown'")):
                uts.append(name)
                continue
            return None
        if word[0] == "header" and name == "block_size":
            block = d
            continue
        if arch == "aarch64" and block is not None:
            continue    # follows from the block size
        return None
    if block is not None and arch != "aarch64":
        return None
    return "QEMU's has no %s%s" % (", ".join(uts) or "difference",
                                   "; " + block if block else "")
