#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Read a diskdump file with libkdumpfile and compare it with an ELF vmcore
of the same paused guest, page for page.

    kdump_check.py KDUMP ELF [--page-size N] [--present-only]

Every page of every PT_LOAD of ELF is read from KDUMP through
libkdumpfile's machine-physical address space and compared; libkdumpfile's
page map of KDUMP must hold no page outside ELF's PT_LOADs; the raw
VMCOREINFO libkdumpfile finds must equal ELF's VMCOREINFO note.
--page-size N sets libkdumpfile's arch.page_size after opening (see
tests/linux/README.md: libkdumpfile 0.5.1 takes the page size from
VMCOREINFO, QEMU's aarch64 diskdump has 64 KiB blocks).  --present-only
compares only the pages KDUMP's bitmap holds (a dump level left the rest
out) and counts them.

Prints one JSON object: {"ok", "pages", "page_size", "error", "first_bad",
"vmcoreinfo", "arch"}; exit 0 iff ok.  Runs under Debian's /usr/bin/python3
(python3-libkdumpfile); a separate process, so that libkdumpfile failing
on a file is a failed check, not a dead test runner.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "e2e")))
import qemu_harness as qh  # noqa: E402

CHUNK = 1 << 20


def compare_present(k, kdumpfile, core, ps, res):
    """Every page in k's bitmap equals core's; res["error"] if not."""
    bmp = k.attr["file.pagemap"]
    top = k.attr["max_pfn"]
    pfn = 0
    while pfn < top:
        try:
            pfn = bmp.find_set(pfn)
        except Exception:  # noqa: BLE001 - none left
            break
        if pfn >= top:
            break
        a = pfn * ps
        p = core.find_load(a)
        if p is None:
            res["error"] = "page %#x is in the kdump, not in the ELF" % a
            return
        want = core.mm[p.p_offset + a - p.p_paddr:
                       p.p_offset + a - p.p_paddr + ps]
        try:
            got = bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, a, ps))
        except Exception as e:  # noqa: BLE001 - any reader error
            res["error"], res["first_bad"] = "%s: %s" % (
                type(e).__name__, e), "%#x" % a
            return
        if got != want:
            res["error"], res["first_bad"] = \
                "page at %#x differs from the ELF dump" % a, "%#x" % a
            return
        res["pages"] += 1
        pfn += 1
    res["ok"] = True


def main():
    args = sys.argv[1:]
    page_size = None
    present_only = "--present-only" in args
    if present_only:
        args.remove("--present-only")
    if "--page-size" in args:
        i = args.index("--page-size")
        page_size = int(args[i + 1])
        del args[i:i + 2]
    kdump, elf = args
    res = {"ok": False, "pages": 0, "page_size": None, "error": None,
           "first_bad": None, "vmcoreinfo": None, "arch": None}
    try:
        import kdumpfile
    except ImportError as e:
        res["error"] = "python3-libkdumpfile missing (apt-get install " \
                       "python3-libkdumpfile): %s" % e
        print(json.dumps(res))
        return 1
    try:
        k = kdumpfile.kdumpfile(kdump)
        if page_size:
            k.attr["arch.page_size"] = page_size
        ps = res["page_size"] = k.attr["arch.page_size"]
        try:
            res["arch"] = k.attr["arch.name"]
        except KeyError:
            res["arch"] = None      # QEMU's header: see README.md
        with qh.Vmcore(elf) as core:
            if present_only:
                compare_present(k, kdumpfile, core, ps, res)
                raise StopIteration
            # Pages of the ELF dump, read through libkdumpfile.
            for p in core.loads:
                a = p.p_paddr
                end = p.p_paddr + p.p_filesz
                while a < end:
                    n = min(CHUNK, end - a)
                    want = core.mm[p.p_offset + a - p.p_paddr:
                                   p.p_offset + a - p.p_paddr + n]
                    try:
                        got = bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR,
                                           a, n))
                    except Exception as e:  # noqa: BLE001 - any reader error
                        got = None
                        err = "%s: %s" % (type(e).__name__, e)
                    if got != want:
                        # Find the first bad page of the chunk.
                        for q in range(a, a + n, ps):
                            m = min(ps, a + n - q)
                            try:
                                g = bytes(k.read(
                                    kdumpfile.KDUMP_MACHPHYSADDR, q, m))
                            except Exception as e:  # noqa: BLE001
                                err = "%s: %s" % (type(e).__name__, e)
                                g = None
                            if g != core.mm[p.p_offset + q - p.p_paddr:
                                            p.p_offset + q - p.p_paddr + m]:
                                res["first_bad"] = "%#x" % q
                                res["error"] = err if g is None else \
                                    "page at %#x differs from the ELF " \
                                    "dump" % q
                                break
                        raise StopIteration
                    a += n
                res["pages"] += p.p_filesz // ps
            # No page the ELF dump lacks.
            bmp = k.attr["file.pagemap"]
            pfn = 0
            while True:
                try:
                    pfn = bmp.find_set(pfn)
                except Exception:  # noqa: BLE001 - none left
                    break
                if pfn >= k.attr["max_pfn"]:
                    break
                if core.find_load(pfn * ps) is None:
                    res["error"] = "page %#x is in the kdump, not in any " \
                                   "PT_LOAD of the ELF dump" % (pfn * ps)
                    raise StopIteration
                # Skip to the end of this PT_LOAD.
                p = core.find_load(pfn * ps)
                pfn = (p.p_paddr + p.p_filesz + ps - 1) // ps
            want = [n.desc for n in core.notes() if n.name == "VMCOREINFO"]
        try:
            raw = bytes(k.attr["linux.vmcoreinfo.raw"])
        except KeyError:
            raw = None
        res["vmcoreinfo"] = raw is not None
        if want and raw is None:
            res["error"] = "no VMCOREINFO in the kdump, the ELF dump has one"
        elif want and raw.rstrip(b"\0") != want[0].rstrip(b"\0"):
            res["error"] = "VMCOREINFO differs from the ELF dump's note"
        else:
            res["ok"] = True
    except StopIteration:
        pass
    except Exception as e:  # noqa: BLE001 - report whatever failed
        res["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(res))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
