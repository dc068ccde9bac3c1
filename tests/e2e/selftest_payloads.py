#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-test of the guest payloads and the harness with the stock QEMU.

For each case: boot the stamping payload, wait until it is done, pause,
take QEMU's own dump-guest-memory (paging=false), check every stamped page
in the vmcore, check the heartbeat is frozen while paused and advances after
`cont`.  Prints one line per case and `N passed, N failed`; exit status 0
iff everything passed.

Options: --qemu-dir DIR (use DIR/qemu-system-ARCH, e.g. a debug build),
--accel kvm|tcg|auto (x86_64 only; aarch64 is always TCG), --keep (keep
the vmcores), --only SUBSTRING (run matching cases), --all (add the extra
cases: pc 5G, q35 128M, -smp 2).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_harness as qh  # noqa: E402

NUMA2 = ["-object", "memory-backend-ram,id=m0,size=256M",
         "-object", "memory-backend-ram,id=m1,size=256M",
         "-numa", "node,memdev=m0", "-numa", "node,memdev=m1"]

# (name, arch, machine, mem, extra args, stamping timeout)
CASES = [
    ("x86_64 pc 128M", "x86_64", "pc", "128M", [], 60),
    ("x86_64 q35 5G split", "x86_64", "q35", "5G", [], 300),
    ("aarch64 virt 128M", "aarch64", "virt", "128M", [], 60),
    ("ppc64 pseries 256M", "ppc64", "pseries", "256M", [], 60),
    ("aarch64 virt 512M 2 NUMA memdevs", "aarch64", "virt", "512M", NUMA2,
     60),
    ("s390x s390-ccw-virtio 256M smp2", "s390x", "s390-ccw-virtio", "256M",
     ["-smp", "2"], 60),
]

# --all adds these (slower or redundant with the above).
EXTRA_CASES = [
    ("x86_64 pc 5G split", "x86_64", "pc", "5G", [], 300),
    ("x86_64 q35 128M", "x86_64", "q35", "128M", [], 60),
    ("x86_64 pc 256M smp2", "x86_64", "pc", "256M", ["-smp", "2"], 60),
    ("aarch64 virt 1G smp2 max", "aarch64", "virt", "1G",
     ["-smp", "2", "-cpu", "max"], 60),
]


def run_case(case, payloads, workdir, args):
    name, arch, machine, mem, extra, timeout = case
    binary = None
    if args.qemu_dir:
        binary = os.path.join(args.qemu_dir, "qemu-system-" + arch)
    accel = args.accel if arch == "x86_64" else "tcg"
    token = qh.new_token()
    core_path = os.path.join(workdir, "%s-%s.vmcore" % (arch, machine))
    t0 = time.monotonic()
    with qh.start_payload_vm(arch, machine, mem, token, payloads, extra,
                             accel=accel, qemu_binary=binary) as vm:
        t_stamp = qh.wait_until_stamped(vm, timeout)
        live = qh.read_descriptor(vm)
        qh.pause(vm)
        st = qh.query_status(vm)
        if st.get("running") or st.get("status") != "paused":
            raise qh.HarnessError("not paused after stop: %r" % st)
        hb_paused = qh.read_heartbeat(vm)
        t_dump = qh.qmp_dump(vm, core_path)
        time.sleep(0.2)
        if qh.read_heartbeat(vm) != hb_paused:
            raise qh.HarnessError("heartbeat moved while paused")

        t1 = time.monotonic()
        with qh.Vmcore(core_path) as core:
            desc = qh.read_descriptor_from_vmcore(core, arch)
            problems = []
            if desc.magic != qh.CB_MAGIC:
                problems.append("bad magic %#x" % desc.magic)
            if desc.token != token:
                problems.append("token %#x != %#x" % (desc.token, token))
            if desc.state != qh.CB_STATE_DONE:
                problems.append("state %d" % desc.state)
            if desc.arch != qh.CB_ARCH[arch]:
                problems.append("arch %d" % desc.arch)
            if desc.heartbeat != hb_paused:
                problems.append("vmcore heartbeat %d != live %d" %
                                (desc.heartbeat, hb_paused))
            if desc.ranges != live.ranges:
                problems.append("vmcore ranges differ from live ones")
            want = sum((e - s) // qh.PAGE_SIZE for s, e in desc.ranges)
            if desc.pages != want:
                problems.append("payload stamped %d pages, ranges hold %d"
                                % (desc.pages, want))
            if arch == "aarch64" and machine == "virt" and extra is NUMA2 \
                    and len(desc.regions) < 2:
                problems.append("expected 2 DTB memory nodes, got %d" %
                                len(desc.regions))
            if not core.notes():
                problems.append("no ELF notes")
            checked, bad = qh.check_stamps(core, token, desc)
            if checked != want:
                problems.append("checked %d of %d pages" % (checked, want))
            if bad:
                problems.append("%d bad pages, first %#x: %s" %
                                (len(bad), bad[0][0], bad[0][1]))
            # The checker must not be vacuous: a wrong token must fail.
            s0 = desc.ranges[0][0]
            probe = desc._replace(ranges=[(s0, s0 + 16 * qh.PAGE_SIZE)])
            n, wrong = qh.check_stamps(core, token ^ 1, probe)
            if n != 16 or len(wrong) != 16:
                problems.append("check_stamps accepted a wrong token")
            nloads = len(core.loads)
        t_check = time.monotonic() - t1

        qh.resume(vm)
        qh.wait_heartbeat_advances(vm, 10)
        accel_used = vm.accel
    if not args.keep:
        os.unlink(core_path)
    total = time.monotonic() - t0
    detail = ("%s, %d pages in %d ranges, %d PT_LOADs; stamp %.1fs, "
              "dump %.1fs, check %.1fs, total %.1fs" %
              (accel_used.upper(), checked, len(desc.ranges), nloads,
               t_stamp, t_dump, t_check, total))
    return problems, detail


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--qemu-dir")
    ap.add_argument("--accel", default="auto",
                    choices=["auto", "kvm", "tcg"])
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--only")
    ap.add_argument("--all", action="store_true",
                    help="also run the extra (slower) cases")
    ap.add_argument("--payloads", help="prebuilt payload directory")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="qld-selftest-")
    passed = failed = 0
    try:
        payloads = args.payloads or qh.build_payloads(
            os.path.join(workdir, "payloads"))
        for case in CASES + (EXTRA_CASES if args.all else []):
            if args.only and args.only not in case[0]:
                continue
            try:
                problems, detail = run_case(case, payloads, workdir, args)
            except (qh.HarnessError, OSError) as e:
                problems, detail = [str(e)], "error"
            if problems:
                failed += 1
                print("FAIL %s: %s (%s)" % (case[0], "; ".join(problems),
                                           detail), flush=True)
            else:
                passed += 1
                print("PASS %s: %s" % (case[0], detail), flush=True)
    finally:
        if args.keep:
            print("vmcores kept in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
