#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The compressed kdump formats (-f kdump-*) against QEMU's own kdump output
and against readers nobody here wrote, on a paused stamp-payload guest of
Debian 12's QEMU 7.2 (x86_64 pc, aarch64 virt, s390x s390-ccw-virtio; ppc64
pseries, BE and LE, kdump_oracle only):

  kdump_oracle_*   QMP dump-guest-memory format=kdump-zlib (makedumpfile's
                   flattened stream; 7.2 has no lzo/snappy build and no
                   kdump-raw) vs the tool's -f kdump-zlib -o - into a pipe:
                   byte for byte.  If not, both go through makedumpfile -R
                   and every difference must be one explained below.
  kdump_formats_*  every format to a file, read back page by page with
                   libkdumpfile (tests/linux/kdump_check.py, Debian's
                   python3-libkdumpfile) equal to the tool's ELF dump of the
                   same paused VM, which itself equals QMP's ELF dump;
                   --flatten into a file is reassembled by makedumpfile -R
                   into the plain file, byte for byte.

Usage: test_kdump_formats.py [-k NAME]... [--list] [--keep]
Env: QLD_TOOL (default /tmp/qld-build/werror/src/qemu-livedump) and those of
test_livedump.py.  Prints PASS/FAIL lines and "test_kdump_formats: N passed,
N failed"; exit 0 iff all pass.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import diskdump  # noqa: E402
import qemu_harness as qh  # noqa: E402
import test_livedump as tl  # noqa: E402  (Checks, detail, Ctx, oracle helpers)

Checks, detail, Fail = tl.Checks, tl.detail, tl.Fail
FORMATS = ("kdump-zlib", "kdump-lzo", "kdump-snappy", "kdump-zstd")
KDUMP_CHECK = os.path.normpath(os.path.join(HERE, "..", "linux",
                                            "kdump_check.py"))
# QEMU's aarch64 diskdump block size is 64 KiB (target/arm/arch_dump.c);
# libkdumpfile 0.5.1 must be told (see tests/linux/README.md).
BLOCK = {"x86_64": None, "aarch64": 65536}
CASES = {"x86_64": ("pc", "512M", ["-smp", "2"]),
         "aarch64": ("virt", "256M", [])}
# ppc64 pseries: QEMU's block size is 64 KiB there too (arch_dump.c).
CASES["ppc64"] = ("pseries", "256M", ["-smp", "2"])
BLOCK["s390x"] = None
CASES["s390x"] = ("s390-ccw-virtio", "256M", ["-smp", "2"])

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def need(prog, package):
    if shutil.which(prog) is None:
        raise Fail("%s not installed (apt-get install %s; "
                   "tests/install-deps.sh does)" % (prog, package))


def tool_stream(ctx, vm, out, *extra):
    """The tool with -o - into a pipe (not a file), copied to OUT."""
    arch = ["-a", tl.TOOL_ARCH[vm.arch]] if vm.arch in tl.TOOL_ARCH else []
    argv = [ctx.tool, "-p", str(vm.pid)] + arch + ["-o", "-"] + list(extra)
    t0 = time.monotonic()
    with open(out, "wb") as f:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        shutil.copyfileobj(p.stdout, f, 1 << 20)
        err = p.stderr.read()
        rc = p.wait(600)
    if rc != 0:
        raise Fail("%s failed (rc %d): %s" % (" ".join(argv), rc,
                                               err.decode()[-600:]))
    return time.monotonic() - t0


def qmp_kdump(vm, out, fmt="kdump-zlib"):
    """QEMU's own dump in FMT into OUT (through QEMU's root if it has one)."""
    t0 = time.monotonic()
    target = os.path.join(vm.tmpdir, "qmp.kdump") if vm.install.root \
        else out
    vm.qmp.execute("dump-guest-memory",
                   {"paging": False,
                    "protocol": "file:" + vm.install.qemu_path(target),
                    "format": fmt}, timeout=600)
    if target != out:
        shutil.move(target, out)
    return time.monotonic() - t0


def qmp_formats(vm):
    """The dump formats this QEMU was built with."""
    caps = vm.qmp.execute("query-dump-guest-memory-capability")
    return set(caps.get("formats", []))


def reassemble(flat, out):
    need("makedumpfile", "makedumpfile")
    if os.path.exists(out):
        os.unlink(out)      # makedumpfile -R refuses to overwrite
    with open(flat, "rb") as f:
        r = subprocess.run(["makedumpfile", "-R", out], stdin=f,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise Fail("makedumpfile -R %s exited %d: %s" % (
            out, r.returncode, r.stdout.decode()[-300:]))


def first_diff_files(a, b):
    """None if byte-identical, else the first differing offset."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        off = 0
        while True:
            x, y = fa.read(8 << 20), fb.read(8 << 20)
            if x != y:
                n = min(len(x), len(y))
                return off + next((i for i in range(n) if x[i] != y[i]), n)
            if not x:
                return None
            off += len(x)


def paused_vm(ctx, arch, kind="stock", payload=None, more=()):
    install = ctx.install(arch, kind)
    machine, mem, extra = CASES[arch]
    token = qh.new_token()
    vm = qh.start_payload_vm(arch, machine, mem, token, ctx.payloads,
                             extra + list(more),
                             accel=ctx.accel(arch, install),
                             install=install, payload=payload)
    try:
        qh.wait_until_stamped(vm, 300)
        vm.pause()
        if vm.query_status().get("status") != "paused":
            raise Fail("not paused after stop")
    except BaseException:
        vm.stop()
        raise
    return vm, token


def same_stream(c, ours, theirs, what):
    """The tool's flattened stream vs QEMU's: byte for byte, or else every
    difference after makedumpfile -R described.  How they compared."""
    with open(ours, "rb") as f:
        c.expect(f.read(16) == diskdump.FLAT_SIGNATURE,
                 "-o - into a pipe gave no flattened stream")
    at = first_diff_files(ours, theirs)
    if at is None:
        return "byte-identical"
    # The encoder means to be byte-identical for the same inputs (this
    # guest has no VMCOREINFO, so the pipe keeps no room for one, like
    # QEMU without a vmcoreinfo device).  Anything else fails with its
    # description.
    ro, rq = ours + ".R", theirs + ".R"
    reassemble(ours, ro)
    reassemble(theirs, rq)
    diffs = diskdump.differences(ro, rq)
    c.expect(not diffs, "%s: flattened streams differ at byte %d (sizes %d, "
             "%d); after makedumpfile -R: %s" % (
                 what, at, os.path.getsize(ours), os.path.getsize(theirs),
                 "; ".join(diffs) or "equal"))
    return "equal after makedumpfile -R only"


def kdump_oracle(ctx, arch, kind="stock", payload=None, more=()):
    """Every kdump format this QEMU writes vs the tool's, of the same paused
    VM: QEMU's kdump-* stream vs the tool's -o - into a pipe; QEMU's
    kdump-raw-* file (8.2 and newer) vs the tool's -o FILE, which may differ
    only by the room a file keeps for a VMCOREINFO note found later."""
    c = Checks()
    vm, _ = paused_vm(ctx, arch, kind, payload, more)
    done = []
    with vm:
        hb = qh.read_heartbeat(vm)
        have = qmp_formats(vm)
        for fmt in FORMATS:
            raw = fmt.replace("kdump-", "kdump-raw-")
            if fmt in have:
                ours = ctx.path("ours.%s.flat" % fmt)
                theirs = ctx.path("qemu.%s.flat" % fmt)
                qmp_kdump(vm, theirs, fmt)
                tool_stream(ctx, vm, ours, "-f", fmt)
                done.append("%s stream %s" % (fmt, same_stream(
                    c, ours, theirs, fmt)))
            if raw in have:
                ours = ctx.path("ours.%s.vmcore" % raw)
                theirs = ctx.path("qemu.%s.vmcore" % raw)
                qmp_kdump(vm, theirs, raw)
                run = tl.dump(ctx, vm, ours, "-f", fmt)
                if not c.expect(run.rc == 0, "-f %s: %s" % (fmt, run.why())):
                    continue
                diffs = diskdump.differences(ours, theirs)
                c.expect(not diffs or diskdump.only_layout(diffs),
                         "%s file vs QEMU's %s: %s" % (fmt, raw,
                                                       "; ".join(diffs)))
                done.append("%s file = %s%s" % (fmt, raw, " (but for the "
                            "VMCOREINFO room)" if diffs else ""))
        c.expect("kdump-zlib" in have, "QEMU offers no kdump-zlib: %s" %
                 sorted(have))
        c.expect(vm.query_status().get("status") == "paused",
                 "the tool changed the run state of a paused VM")
        c.expect(qh.read_heartbeat(vm) == hb, "heartbeat moved while paused")
        vm.resume()
        tl.check_vm_running(c, vm, "after cont")
    detail("%s %s %s %s: %s" % (kind, arch, CASES[arch][0], CASES[arch][1],
                                "; ".join(done)))
    c.done()


def kdump_formats(ctx, arch):
    """Every format's file read back by libkdumpfile == the ELF dump of the
    same paused VM (== QMP's ELF dump); --flatten to a file reassembles
    into the plain file."""
    c = Checks()
    if not os.path.exists("/usr/bin/python3") or subprocess.run(
            ["/usr/bin/python3", "-c", "import kdumpfile"]).returncode:
        raise Fail("python3-libkdumpfile missing (apt-get install "
                   "python3-libkdumpfile; tests/install-deps.sh does)")
    elf = ctx.path("ours-elf.vmcore")
    qelf = ctx.path("qemu-elf.vmcore")
    vm, token = paused_vm(ctx, arch)
    sizes = {}
    with vm:
        qh.qmp_dump(vm, qelf)
        run = tl.dump(ctx, vm, elf)
        if run.rc != 0:
            raise Fail("ELF dump failed: " + run.why())
        files = {}
        for f in FORMATS:
            out = ctx.path("ours.%s.vmcore" % f)
            run = tl.dump(ctx, vm, out, "-f", f)
            if not c.expect(run.rc == 0, "-f %s failed: %s" % (f, run.why())):
                continue
            tl.check_output_file(c, out)
            files[f] = out
            sizes[f] = os.path.getsize(out)
        flat = ctx.path("ours.flatten.vmcore")
        run = tl.dump(ctx, vm, flat, "-f", "kdump-zstd", "--flatten")
        c.expect(run.rc == 0, "--flatten failed: %s" % run.why())
        c.expect(vm.query_status().get("status") == "paused",
                 "the tool changed the run state of a paused VM")
        vm.resume()
    # Our ELF dump is QEMU's (PT_LOADs, bytes, CPU notes).
    tl.compare_with_oracle(c, elf, qelf)
    with qh.Vmcore(elf) as core:
        desc, checked = tl.check_core_stamps(c, core, arch, token)
    os.unlink(qelf)
    for f, path in files.items():
        argv = ["/usr/bin/python3", KDUMP_CHECK, path, elf]
        if BLOCK[arch]:
            argv += ["--page-size", str(BLOCK[arch])]
        r = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        out = r.stdout.decode().strip().splitlines()
        c.expect(r.returncode == 0, "%s: libkdumpfile: %s %s" % (
            f, out[-1] if out else "", r.stderr.decode()[-300:]))
    if os.path.exists(flat):
        with open(flat, "rb") as fh:
            c.expect(fh.read(16) == diskdump.FLAT_SIGNATURE,
                     "--flatten did not write the flattened stream")
        if "kdump-zstd" in files:
            reassemble(flat, flat + ".R")
            at = first_diff_files(flat + ".R", files["kdump-zstd"])
            c.expect(at is None, "makedumpfile -R of the --flatten file "
                     "differs from the plain kdump-zstd file at byte %s" % at)
    detail("stock %s: %d stamped pages; %s; libkdumpfile read every page "
           "of each equal to the ELF dump%s" % (
               arch, checked, ", ".join("%s %.1f MiB" % (f, s / 2**20)
                                        for f, s in sizes.items()),
               " (told the 64 KiB block size)" if BLOCK[arch] else ""))
    c.done()


@test
def kdump_oracle_stock_x86_64_pc_512M(ctx):
    kdump_oracle(ctx, "x86_64")


@test
def kdump_oracle_stock_aarch64_virt_256M(ctx):
    kdump_oracle(ctx, "aarch64")


@test
def kdump_oracle_stock_s390x_ccw_256M(ctx):
    kdump_oracle(ctx, "s390x")


@test
def kdump_oracle_debug_10_0_13_s390x_ccw_256M(ctx):
    kdump_oracle(ctx, "s390x", "debug-10.0.13")


@test
def kdump_formats_stock_s390x_ccw_256M(ctx):
    kdump_formats(ctx, "s390x")


@test
def kdump_oracle_stock_10_0_2_x86_64_pc_512M(ctx):
    kdump_oracle(ctx, "x86_64", "stock-10.0.2")


@test
def kdump_oracle_stock_10_0_2_aarch64_virt_256M(ctx):
    kdump_oracle(ctx, "aarch64", "stock-10.0.2")


@test
def kdump_oracle_chroot_10_0_13_x86_64_pc_512M(ctx):
    kdump_oracle(ctx, "x86_64", "chroot-10.0.13")


# Debian 13's stripped ppc64 and s390x in the chroot, through their
# profiles: the little-endian guest's kdump is little-endian on POWER10.
@test
def kdump_oracle_chroot_10_0_13_ppc64_pseries_256M(ctx):
    kdump_oracle(ctx, "ppc64", "chroot-10.0.13")


@test
def kdump_oracle_chroot_10_0_13_ppc64le_pseries_256M(ctx):
    kdump_oracle(ctx, "ppc64", "chroot-10.0.13",
                 payload="payload-ppc64le.elf")


@test
def kdump_oracle_chroot_10_0_13_s390x_ccw_256M(ctx):
    kdump_oracle(ctx, "s390x", "chroot-10.0.13")


@test
def kdump_oracle_debug_10_2_2_x86_64_pc_512M(ctx):
    kdump_oracle(ctx, "x86_64", "debug-10.2.2")


@test
def kdump_oracle_stock_ppc64_pseries_256M(ctx):
    kdump_oracle(ctx, "ppc64")


@test
def kdump_oracle_stock_ppc64le_pseries_power7_256M(ctx):
    # The little-endian guest on POWER7: QEMU's kdump is little-endian.
    kdump_oracle(ctx, "ppc64", payload="payload-ppc64le.elf",
                 more=("-cpu", "POWER7"))


@test
def kdump_formats_stock_x86_64_pc_512M(ctx):
    kdump_formats(ctx, "x86_64")


@test
def kdump_formats_stock_aarch64_virt_256M(ctx):
    kdump_formats(ctx, "aarch64")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", action="append", default=[])
    ap.add_argument("--tool", default=os.environ.get(
        "QLD_TOOL", "/tmp/qld-build/werror/src/qemu-livedump"))
    ap.add_argument("--payloads")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tests = [t for t in TESTS
             if not args.k or any(p in t.__name__ for p in args.k)]
    if args.list:
        for t in tests:
            print(t.__name__)
        return 0
    if not os.access(args.tool, os.X_OK):
        print("FAIL setup: no qemu-livedump at %s (set QLD_TOOL)" % args.tool)
        print("test_kdump_formats: 0 passed, 1 failed")
        return 1
    args.tool = os.path.abspath(args.tool)
    try:
        ctx = tl.Ctx(args)
    except Exception as e:  # noqa: BLE001 - report, do not crash
        print("FAIL setup: %s" % e)
        print("test_kdump_formats: 0 passed, 1 failed")
        return 1
    return tl.run_tests(ctx, tests, "test_kdump_formats", args.keep,
                        lambda f: ".vmcore" in f or f.endswith((".flat", ".R")))


if __name__ == "__main__":
    sys.exit(main())
