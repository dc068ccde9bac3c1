# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/linux/run's checks of the dump level (-d), on one Debian guest per
architecture whose every page class has pages (init's qld_pages=1: a
virtio disk read through the block device's page cache, a process holding
anonymous memory, the initramfs in the page cache, free memory):

  - paused: for dump levels 31, 2, 4, 8 and 16, the set of pages the
    tool's -f kdump-zstd -d N file holds equals the set makedumpfile
    (Debian 12's 1.7.2) keeps with -d N from an ELF dump of the same
    paused guest, both sets read with libkdumpfile (pageset.py), and every
    page the tool's file holds reads back equal to QMP's own ELF dump
    (kdump_check.py --present-only); each class the report counts is
    non-empty at 31.  makedumpfile's input is the tool's -f elf dump:
    makedumpfile 1.7.2 cannot read QEMU 7.2's ELF (it looks for the
    program headers right after the ELF header; QEMU 7.2 puts section
    headers there), and the tool's ELF equals QMP's page for page
    (checked here too);
  - ELF -d 31: the pages left out read as zeros, every other page equals
    QMP's ELF dump;
  - live (the guest running, --freeze=meta): -f kdump-zstd -d 31, then
    crash (x86_64: marker in the log, the task) and drgn open it; the
    report says how many pages each class left out;
  - and Debian 13's crash 8.0.6 (Debian 12's lists only the active tasks
    of a 6.1 kernel) shows `bt` of the sentinel task in it.  crash 8.0.6
    cannot start on some dumps of this kernel, filtered or not, ours or
    QMP's: when no panic task is found it falls back to the task the vCPU
    ran, and fails to size an exception stack (`read of stack at
    fffffe0000014000 failed`), always for an idle vCPU (init keeps one
    busy for that), sometimes for a busy one: the live dump is taken
    again, up to 3 times, until crash starts, and the detail says how many
    it took.

check(run_module, arch, work) is called by run with itself as run_module.
"""

import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import boot  # noqa: E402
import kdump_formats as kf  # noqa: E402

LEVELS = (31, 2, 4, 8, 16)
CLASSES = ("cache", "cache_private", "user", "free")
TIMEOUT = 600
DISK_MB = 48


def pagesets(paths):
    """{path: result} from pageset.py (libkdumpfile), or raises."""
    r = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "pageset.py")]
                       + list(paths), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    out = {}
    for line in r.stdout.decode().splitlines():
        d = json.loads(line)
        out[d.get("file")] = d
    return out


def expand(runs):
    s = set()
    for a, b in runs:
        s.update(range(a, b))
    return s


def compare_sets(ours, theirs):
    """'' if the two page sets are equal, else how they differ."""
    if ours.get("error") or theirs.get("error"):
        return "libkdumpfile: ours %s, makedumpfile's %s" % (
            ours.get("error"), theirs.get("error"))
    if ours["runs"] == theirs["runs"]:
        return ""
    a, b = expand(ours["runs"]), expand(theirs["runs"])
    only_ours, only_theirs = sorted(a - b), sorted(b - a)
    return "%d pages only in ours (first %s), %d only in makedumpfile's " \
           "(first %s)" % (len(only_ours),
                           [hex(p) for p in only_ours[:5]],
                           len(only_theirs),
                           [hex(p) for p in only_theirs[:5]])


QEMU_USER = {"x86_64": "qemu-x86_64-static", "aarch64": "qemu-aarch64-static"}


def makedumpfile_argv(arch):
    """Debian 12's makedumpfile for arch's dumps: the host's, or that of
    arch under qemu-user (makedumpfile reads its own arch's dumps only;
    tests/linux/prepare unpacks it)."""
    if os.uname().machine == arch:
        return ["makedumpfile"]
    cache = os.path.dirname(os.path.dirname(boot.fixture(arch, "vmlinux")))
    root = os.path.join(cache, "makedumpfile-" + arch, "root")
    return [QEMU_USER[arch], "-L", root, root + "/usr/bin/makedumpfile"]


def makedumpfile(arch, elf, level, out):
    """makedumpfile -c -d LEVEL ELF OUT; '' or what went wrong."""
    if os.path.exists(out):
        os.unlink(out)
    r = subprocess.run(makedumpfile_argv(arch) +
                       ["-c", "-d", str(level), elf, out],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=TIMEOUT)
    if r.returncode != 0 or not os.path.exists(out):
        return "makedumpfile -d %d exited %d: %s" % (
            level, r.returncode, r.stdout.decode("utf-8", "replace")[-400:])
    return ""


def elf_left_out_are_zeros(R, ours, qemu_elf, kept):
    """'' if ours (an ELF) equals qemu_elf on the pages of kept (pfns; None:
    every page) and is zero elsewhere."""
    zero = bytes(4096)
    with R.qh.Vmcore(ours) as a, R.qh.Vmcore(qemu_elf) as b:
        if [(p.p_paddr, p.p_filesz) for p in a.loads] != \
           [(p.p_paddr, p.p_filesz) for p in b.loads]:
            return "PT_LOADs differ"
        bad_kept = bad_zero = 0
        for pa, pb in zip(a.loads, b.loads):
            for off in range(0, pa.p_filesz, 4096):
                x = a.mm[pa.p_offset + off:pa.p_offset + off + 4096]
                if kept is None or (pa.p_paddr + off) // 4096 in kept:
                    y = b.mm[pb.p_offset + off:pb.p_offset + off + 4096]
                    bad_kept += x != y
                else:
                    bad_zero += x != zero
        if bad_kept or bad_zero:
            return "%d kept pages differ from QMP's dump, %d left-out " \
                   "pages are not zero" % (bad_kept, bad_zero)
    return ""


def boot_filled(R, arch, name, work):
    disk = os.path.join(work, "disk-%s.img" % arch)
    with open(disk, "wb") as f:
        f.write(os.urandom(DISK_MB << 20))
    g = boot.LinuxGuest(
        arch, True, install=R.qh.installs()["stock-7.2"],
        extra_args=["-drive", "file=%s,if=none,id=d0,format=raw" % disk,
                    "-device", "virtio-blk-pci,drive=d0"],
        extra_append=["qld_pages=1"])
    try:
        g.start()
    except R.qh.HarnessError as e:
        g.stop()
        R.result(False, name + ": boot", str(e))
        return None
    R.info("%s: booted under %s in %.1fs (token %s); %s" % (
        name, g.accel.upper(), g.boot_seconds, g.token,
        "disk read" if "QLD-PAGES disk read" in g.console() else
        "NO DISK READ"))
    return g


def paused(R, arch, g, name, d, res):
    """The level comparisons on the paused guest."""
    base = [R.TOOL, "-p", str(g.vm.pid), "-a", R.TOOL_ARCH[arch], "--force"]
    qelf = os.path.join(d, "qemu.elf")
    g.vm.pause()
    g.vm.qmp.execute("dump-guest-memory",
                     {"paging": False, "protocol": "file:" + qelf},
                     timeout=TIMEOUT)
    files, reports = {}, {}
    for lv in LEVELS:
        ours = os.path.join(d, "tool-d%d.kdump" % lv)
        rep = os.path.join(d, "tool-d%d.json" % lv)
        ok, det, secs = kf.run_tool_to(base + ["-f", "kdump-zstd", "-d",
                                               str(lv), "--report", rep],
                                       ours)
        res(ok, "-f kdump-zstd -d %d of the paused guest" % lv,
            det or "%.1fs, %.1f MiB" % (secs, os.path.getsize(ours) / 2**20))
        files[lv] = ours
        try:
            with open(rep) as f:
                reports[lv] = json.load(f)["dump_level"]
        except (OSError, ValueError, KeyError):
            reports[lv] = {}
    tool_elf = os.path.join(d, "tool-d31.elf")
    ok, det, _ = kf.run_tool_to(base + ["-f", "elf", "-d", "31"], tool_elf)
    res(ok, "-f elf -d 31 of the paused guest", det)
    full_elf = os.path.join(d, "tool.elf")
    ok, det, _ = kf.run_tool_to(base + ["-f", "elf"], full_elf)
    res(ok, "-f elf of the paused guest (makedumpfile's input)", det)
    g.vm.resume()
    return qelf, files, reports, tool_elf, full_elf


def check(R, arch, work):
    name = "dump-level %s" % arch
    missing = [t for t in ("makedumpfile", "crash")
               if shutil.which(t) is None]
    if missing:
        R.result(False, name, "not installed: %s" % " ".join(missing))
        return
    d = os.path.join(work, "levels-%s" % arch)
    os.makedirs(d, exist_ok=True)
    ok_all = [True]

    def res(ok, what, det=""):
        ok_all[0] &= R.result(ok, "%s: %s" % (name, what), det)
        return ok

    g = boot_filled(R, arch, name, d)
    if g is None:
        return
    live_core = os.path.join(d, "live-d31.kdump")
    live_rep = os.path.join(d, "live-d31.json")
    bt = (False, "no live dump")
    try:
        qelf, files, reports, tool_elf, full_elf = paused(R, arch, g, name,
                                                          d, res)
        after = g.wait_heartbeat_after(g.heartbeat() + 1, 30)
        res(g.vm.query_status().get("status") == "running",
            "guest runs on after cont", "heartbeat %d" % after)
        # Live, meta mode: the guest runs while its pages are classified.
        for attempt in range(1, 4 if arch == "x86_64" else 2):
            hb = g.heartbeat()
            ok, det, secs = kf.run_tool_to(
                [R.TOOL, "-p", str(g.vm.pid), "-a", R.TOOL_ARCH[arch],
                 "--force", "-f", "kdump-zstd", "-d", "31", "--report",
                 live_rep], live_core)
            res(ok, "live -f kdump-zstd -d 31 (guest running), take %d"
                % attempt, det or "%.1fs, %.1f MiB" % (
                    secs, os.path.getsize(live_core) / 2**20))
            after = g.wait_heartbeat_after(hb + 1, 30)
            res(True, "guest ran on through the live dump",
                "heartbeat %d -> %d" % (hb, after))
            if arch != "x86_64" or not ok:
                break
            bt = R.crash_bt(live_core, g)
            if bt[0] or "read of stack" not in bt[1]:
                bt = (bt[0], "%s (live dump %d of at most 3)" % (bt[1],
                                                                attempt))
                break
    except (R.qh.HarnessError, OSError, subprocess.SubprocessError) as e:
        res(False, "dumps", str(e))
        g.stop()
        return
    who = kf.Analysed(g)
    g.stop()

    # makedumpfile on the ELF dump, level by level; the page sets compared.
    det = elf_left_out_are_zeros(R, full_elf, qelf, None)
    res(not det, "the tool's -f elf equals QMP's ELF dump page for page", det)
    mdf = {}
    for lv in LEVELS:
        out = os.path.join(d, "mdf-d%d.kdump" % lv)
        t0 = time.monotonic()
        err = makedumpfile(arch, full_elf, lv, out)
        res(not err, "makedumpfile -c -d %d of the ELF dump" % lv,
            err or "%.1fs" % (time.monotonic() - t0))
        mdf[lv] = out
    sets = pagesets(list(files.values()) + list(mdf.values()))
    for lv in LEVELS:
        ours, theirs = sets.get(files[lv], {}), sets.get(mdf[lv], {})
        diff = compare_sets(ours, theirs) if ours and theirs else \
            "pageset.py gave nothing"
        rep = reports.get(lv, {}).get("excluded_pages", {})
        res(not diff, "-d %d keeps the pages makedumpfile keeps" % lv,
            diff or "%d pages; left out %s" % (
                ours["pages"], ", ".join("%s %d" % kv for kv in rep.items()
                                         if kv[1])))
    rep31 = reports.get(31, {}).get("excluded_pages", {})
    empty = [c for c in CLASSES if not rep31.get(c)]
    res(not empty, "every page class has pages left out at -d 31",
        "empty: %s" % " ".join(empty) if empty else
        ", ".join("%s %d" % (c, rep31[c]) for c in CLASSES))
    # The kept pages are the guest's.
    ok, det, _ = kf.kdump_check(files[31], qelf, present_only=True)
    res(ok, "-d 31: every page kept equals QMP's ELF dump (libkdumpfile)",
        det)
    s31 = sets.get(files[31], {})
    if s31.get("runs"):
        det = elf_left_out_are_zeros(R, tool_elf, qelf, expand(s31["runs"]))
        res(not det, "-f elf -d 31: makedumpfile's pages kept, the rest zeros",
            det)
    # The live dump opens in crash and drgn.
    try:
        with open(live_rep) as f:
            lrep = json.load(f)["dump_level"]
        res(lrep["struct_pages_read"] and lrep["excluded_pages"]["free"] > 0,
            "live -d 31: the report counts the pages left out",
            json.dumps(lrep["excluded_pages"]))
    except (OSError, ValueError, KeyError) as e:
        res(False, "live -d 31: the report counts the pages left out", str(e))
    if arch == "x86_64":
        ok, det = R.crash_check(live_core, who)
        res(ok, "crash opens the live -d 31 dump (log, task)", det)
        res(bt[0], "crash 8.0.6: bt of the sentinel task in the live -d 31 "
            "dump", bt[1])
    ok, det, _ = R.drgn_check(live_core, who)
    res(ok, "drgn opens the live -d 31 dump", det)
    if ok_all[0]:
        shutil.rmtree(d, ignore_errors=True)
