# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/linux/run's checks of the compressed kdump formats (-f kdump-*),
on one paused Debian guest per architecture (see README.md):

  - the tool's -o - stream (a pipe) is QMP's dump-guest-memory
    format=kdump-zlib but for the guest kernel's utsname in the header
    (and, on aarch64, the kernel's page size as the block size): both
    through makedumpfile -R, compared field by field (tests/e2e/diskdump.py);
  - makedumpfile -R turns it into the file the tool writes with -o FILE
    (equal up to the room a file keeps for VMCOREINFO; every header field,
    note, bitmap, descriptor and page compared by tests/e2e/diskdump.py);
  - libkdumpfile (python3-libkdumpfile, tests/linux/kdump_check.py) reads
    every page of every format back equal to the tool's ELF dump of the
    same paused guest, and the same VMCOREINFO;
  - crash opens every format's file and the reassembled stream (x86_64:
    Debian's crash reads no other architecture);
  - drgn opens every format (marker in the kernel log, the task).

check(run_module, arch, work) is called by run with itself as run_module
(for result(), info(), boot_guest(), crash_check(), drgn_check(), TOOL).
"""

import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "e2e")))
import diskdump  # noqa: E402

FORMATS = ("kdump-zlib", "kdump-lzo", "kdump-snappy", "kdump-zstd")
FLAT_SIGNATURE = b"makedumpfile\0\0\0\0"
# QEMU's aarch64 diskdump has 64 KiB blocks (target/arm/arch_dump.c)
# whatever the guest's page size; libkdumpfile 0.5.1 takes the page size
# from VMCOREINFO's PAGESIZE (4096 for Debian's arm64 kernel) instead and
# misreads QEMU's file unless told.  Ours has the kernel's.  See README.md.
BLOCK = {"x86_64": 4096, "aarch64": 65536}
TIMEOUT = 300


def tool_has_formats(tool):
    try:
        r = subprocess.run([tool, "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return b"--format" in r.stdout


def run_tool_to(argv, out):
    """The tool with -o OUT, or (OUT ending in .flat) with -o - into a pipe
    copied to OUT.  (ok, detail, seconds)."""
    t0 = time.monotonic()
    try:
        if out.endswith(".flat"):
            with open(out, "wb") as f:
                p = subprocess.Popen(argv + ["-o", "-"],
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
                shutil.copyfileobj(p.stdout, f, 1 << 20)
                err = p.stderr.read()
                rc = p.wait(TIMEOUT)
        else:
            r = subprocess.run(argv + ["-o", out], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=TIMEOUT)
            rc, err = r.returncode, r.stderr
    except (OSError, subprocess.SubprocessError) as e:
        return False, str(e), time.monotonic() - t0
    secs = time.monotonic() - t0
    if rc != 0:
        return False, "rc %s: %s" % (rc, err.decode("utf-8", "replace")
                                     .strip()[-500:]), secs
    return True, "", secs


def reassemble(flat, out):
    """makedumpfile -R OUT < FLAT; '' or what went wrong."""
    if shutil.which("makedumpfile") is None:
        return "makedumpfile not installed (apt-get install makedumpfile)"
    if os.path.exists(out):
        os.unlink(out)
    with open(flat, "rb") as f:
        r = subprocess.run(["makedumpfile", "-R", out], stdin=f,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=TIMEOUT)
    if r.returncode != 0 or not os.path.exists(out):
        return "makedumpfile -R exited %d: %s" % (
            r.returncode, r.stdout.decode("utf-8", "replace")[-300:])
    return ""


def kdump_check(kdump, elf, page_size=None, present_only=False):
    """(ok, detail, result) from kdump_check.py (libkdumpfile)."""
    argv = ["/usr/bin/python3", os.path.join(HERE, "kdump_check.py"),
            kdump, elf]
    if page_size:
        argv += ["--page-size", str(page_size)]
    if present_only:
        argv.append("--present-only")
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
        res = json.loads(r.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError, OSError,
            subprocess.SubprocessError) as e:
        return False, "kdump_check.py: %s" % e, {}
    if res.get("ok"):
        return True, "%d pages of %d bytes equal, VMCOREINFO equal" % (
            res["pages"], res["page_size"]), res
    return False, "%s (first bad page %s)" % (res.get("error"),
                                              res.get("first_bad")), res


def same_file(a, b):
    """'' if the two files are byte-identical, else where they differ."""
    if not os.path.exists(a) or not os.path.exists(b):
        return "missing: %s" % " ".join(p for p in (a, b)
                                        if not os.path.exists(p))
    fa, fb = os.open(a, os.O_RDONLY), os.open(b, os.O_RDONLY)
    try:
        off = 0
        while True:
            x, y = os.read(fa, 8 << 20), os.read(fb, 8 << 20)
            if x != y:
                n = min(len(x), len(y))
                i = next((i for i in range(n) if x[i] != y[i]), n)
                return "first difference at byte %d (sizes %d, %d)" % (
                    off + i, os.path.getsize(a), os.path.getsize(b))
            if not x:
                return ""
            off += len(x)
    finally:
        os.close(fa)
        os.close(fb)


class Analysed:
    """What crash_check/drgn_check need of a guest, after it is gone."""

    def __init__(self, g):
        self.vmlinux, self.marker, self.comm = g.vmlinux, g.marker, g.comm


def check(R, arch, work, install_name="stock-7.2"):
    name = "kdump %s %s" % (install_name, arch)
    if not tool_has_formats(R.TOOL):
        R.result(False, name, "%s --help has no --format: the kdump formats "
                 "cannot be tested" % R.TOOL)
        return
    missing = [t for t in ("makedumpfile", "crash")
               if shutil.which(t) is None]
    if missing:
        R.result(False, name, "not installed: %s (tests/linux/prepare "
                 "installs them)" % " ".join(missing))
        return
    g = R.boot_guest(arch, True, name, R.qh.installs()[install_name])
    if g is None:
        return
    d = os.path.join(work, "kdump-%s" % arch)
    os.makedirs(d, exist_ok=True)
    base = [R.TOOL, "-p", str(g.vm.pid), "-a", R.TOOL_ARCH[arch], "--force"]
    elf = os.path.join(d, "tool.elf")
    files = {f: os.path.join(d, "tool." + f) for f in FORMATS}
    flat = os.path.join(d, "tool-zlib.flat")
    reass = os.path.join(d, "tool-zlib-R.kdump")
    qflat = os.path.join(d, "qemu-zlib.flat")
    qkdump = os.path.join(d, "qemu-zlib-R.kdump")
    report = os.path.join(d, "zlib.json")
    ok_all = [True]
    dumped = {}

    def res(ok, what, det):
        ok_all[0] &= R.result(ok, "%s: %s" % (name, what), det)
        return ok

    try:
        # Every dump of one paused instant.
        g.vm.pause()
        ok, det, secs = run_tool_to(base + ["-f", "elf"], elf)
        res(ok, "ELF dump of the paused guest", det or "%.1fs" % secs)
        for f in FORMATS:
            extra = ["--report", report] if f == "kdump-zlib" else []
            ok, det, secs = run_tool_to(base + ["-f", f] + extra, files[f])
            dumped[f] = ok
            res(ok, "qemu-livedump -f %s -o FILE" % f,
                det or "%.1fs, %.1f MiB" % (secs,
                                           os.path.getsize(files[f]) / 2**20))
        ok, det, secs = run_tool_to(base + ["-f", "kdump-zlib"], flat)
        res(ok, "qemu-livedump -f kdump-zlib -o - (a pipe)",
            det or "%.1fs" % secs)
        t0 = time.monotonic()
        g.vm.qmp.execute("dump-guest-memory",
                         {"paging": False, "protocol": "file:" + qflat,
                          "format": "kdump-zlib"}, timeout=TIMEOUT)
        R.info("%s: QMP dump-guest-memory format=kdump-zlib took %.1fs" % (
            name, time.monotonic() - t0))
        g.vm.resume()
        after = g.wait_heartbeat_after(g.heartbeat() + 1, 30)
        res(g.vm.query_status().get("status") == "running",
            "guest runs on after cont", "heartbeat %d" % after)
    except (R.qh.HarnessError, OSError, subprocess.SubprocessError) as e:
        res(False, "dumps", str(e))
        g.stop()
        return
    # The analyses need no guest: its CPU is better left to crash.
    who = Analysed(g)
    g.stop()
    rep = {}
    try:
        with open(report) as f:
            rep = json.load(f)
    except (OSError, ValueError):
        pass
    R.info("%s: VMCOREINFO from %s" % (name, rep.get("vmcoreinfo")))

    # The pipe's flattened stream is QEMU's own but for the guest facts.
    problem = ""
    if os.path.exists(flat):
        with open(flat, "rb") as f:
            sig = f.read(16)
        if sig != FLAT_SIGNATURE:
            problem = "the pipe got no flattened stream (starts %r)" % sig
    if not problem:
        problem = reassemble(flat, reass)
    if not problem:
        problem = reassemble(qflat, qkdump)
    if not problem:
        diffs = diskdump.differences(reass, qkdump)
        why = diskdump.only_guest_facts(diffs, arch)
        if why is None:
            problem = "; ".join(diffs)
        else:
            R.info("%s: the stream vs QMP's, both through makedumpfile -R: "
                   "%s" % (name, why))
    res(not problem, "the -o - stream is QMP's dump-guest-memory "
        "format=kdump-zlib but for the guest's utsname%s" % (
            " and page size" if arch == "aarch64" else ""),
        problem or "%d bytes" % os.path.getsize(flat))

    # makedumpfile -R: the stream -> the plain file the tool writes.
    problem = "" if os.path.exists(reass) else "no stream"
    if not problem and dumped.get("kdump-zlib"):
        diffs = diskdump.differences(files["kdump-zlib"], reass,
                                     ("the file", "the stream's"))
        # With the note from the device (through fw_cfg on Debian's
        # stripped QEMU) file and stream are equal.  Had the note come from
        # guest RAM, an x86_64 file would keep room for a note found during
        # the copy, where a pipe (and aarch64, whose page size comes from
        # it) is scanned first and needs none: the larger note area moves
        # the bitmaps, descriptors and page data; every field, note, bitmap
        # bit, descriptor and page must still agree.
        reserve = "device" not in str(rep.get("vmcoreinfo"))
        if diffs and reserve and diskdump.only_layout(diffs):
            R.info("%s: kdump-zlib file vs makedumpfile -R of the stream: "
                   "only the VMCOREINFO room differs: %s" % (
                       name, "; ".join(diffs)))
        elif diffs:
            problem = "; ".join(diffs)
    elif not problem:
        problem = "no kdump-zlib file"
    res(not problem, "makedumpfile -R of the stream == the kdump-zlib file "
        "(every field, note, bitmap, descriptor, page)",
        problem or "%d bytes" % os.path.getsize(reass))

    # libkdumpfile: every page equal to the ELF dump.
    if arch == "aarch64":
        # QEMU's own 64 KiB blocks: libkdumpfile 0.5.1 believes VMCOREINFO's
        # PAGESIZE and misreads them unless told (asserted, so that a fixed
        # libkdumpfile is noticed); ours have the kernel's page size.
        okq, detq, rq = kdump_check(qkdump, elf)
        res(not okq, "libkdumpfile 0.5.1 misreads QEMU's own 64 KiB-block "
            "kdump-zlib (the reason ours has the kernel's page size)", detq)
        okq, detq, rq = kdump_check(qkdump, elf, BLOCK[arch])
        res(okq, "QEMU's own kdump-zlib, libkdumpfile told arch.page_size "
            "65536, equals the ELF dump", detq)
    for f in FORMATS:
        if dumped.get(f):
            ok, det, _ = kdump_check(files[f], elf)
            res(ok, "%s: libkdumpfile reads every page equal to the ELF "
                "dump" % f, det)

    # drgn (libkdumpfile underneath) opens every format.
    okq, detq, _ = R.drgn_check(qkdump, who)
    R.info("%s: drgn on QEMU's own kdump-zlib: %s" % (name, detq))
    for f in FORMATS:
        if dumped.get(f):
            ok, det, _ = R.drgn_check(files[f], who)
            res(ok, "%s: drgn opens it (marker, task)" % f, det)

    # crash: Debian's is built for the host's architecture only.
    if arch == "x86_64":
        targets = [(f, files[f]) for f in FORMATS if dumped.get(f)]
        if os.path.exists(reass):
            targets.append(("kdump-zlib -o - through makedumpfile -R",
                            reass))
        for label, path in targets:
            ok, det = R.crash_check(path, who)
            res(ok, "%s: crash" % label, det)
    if R.KEEP and not ok_all[0]:
        R.failed_files.append(d)
    else:
        shutil.rmtree(d, ignore_errors=True)
