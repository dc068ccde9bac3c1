#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vCPU register notes against QEMU's own dump-guest-memory.

On a paused TCG guest (stamping payload, -smp 2) every CPU note of
qemu-livedump's vmcore must equal QEMU's own note byte for byte (same
names, types, order), on every QEMU tests/setup-qemus.sh makes: Debian 12's
7.2 and its debug build, bookworm-backports' 10.0.2, Debian 13's 10.0.13 in
a chroot (layout profiles), debug builds of 10.0.13 and 10.2.2 (DWARF);
ppc64 pseries (BE and LE guests, default CPU and POWER7) on Debian 12's 7.2,
its misc debug build, 10.0.13's and Debian 13's in the chroot; s390x on
Debian 12's 7.2, the 7.2 and 10.0.13 debug builds and Debian 13's in the
chroot only (CASE_INSTALLS); rip/pc/nip and rsp/sp/r1 (s390x:
psw.addr and r15) must match HMP `info registers`.

Usage: test_cpu_notes.py [--keep DIR] [--only NAME-SUBSTRING]
Env: QLD_TOOL (default /tmp/qld-build/werror/src/qemu-livedump),
     QLD_DEBUG_QEMU_DIR (default /var/cache/qemu-livedump/qemu-debug/bin).
Prints PASS/FAIL lines and "cpu-notes: N passed, N failed"; exit 0 iff all
pass.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_harness as qh  # noqa: E402

TOOL = os.environ.get("QLD_TOOL", "/tmp/qld-build/werror/src/qemu-livedump")
DEBUG_DIR = os.environ.get("QLD_DEBUG_QEMU_DIR",
                           os.path.join(qh.CACHE, "qemu-debug", "bin"))
CPU_NOTE_NAMES = ("CORE", "QEMU", "LINUX")

results = {"pass": 0, "fail": 0}


def report(name, ok, detail=""):
    results["pass" if ok else "fail"] += 1
    print("%s %s%s" % ("PASS" if ok else "FAIL", name,
                       (": " + detail) if detail and not ok else ""))
    sys.stdout.flush()


def cpu_notes(core):
    return [n for n in core.notes() if n.name in CPU_NOTE_NAMES]


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def compare_notes(ours, theirs):
    """'' if equal, else a description of the first difference."""
    if len(ours) != len(theirs):
        return "%d notes, QEMU has %d: %s vs %s" % (
            len(ours), len(theirs),
            [(n.name, n.type, len(n.desc)) for n in ours],
            [(n.name, n.type, len(n.desc)) for n in theirs])
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if (a.name, a.type, len(a.desc)) != (b.name, b.type, len(b.desc)):
            return "note %d is %s/%#x/%d, QEMU's %s/%#x/%d" % (
                i, a.name, a.type, len(a.desc), b.name, b.type, len(b.desc))
        if a.desc != b.desc:
            off = first_diff(a.desc, b.desc)
            return "note %d (%s type %#x) differs at desc offset %d: " \
                   "ours %s, QEMU %s" % (i, a.name, a.type, off,
                                         a.desc[off:off + 8].hex(),
                                         b.desc[off:off + 8].hex())
    return ""


def hmp_registers(vm):
    """Per CPU (in `info registers -a` order) a dict of register values."""
    out = vm.hmp("info registers -a")
    cpus = []
    cur = None
    for line in out.splitlines():
        if re.match(r"^\s*CPU#\d+", line):
            cur = {}
            cpus.append(cur)
            continue
        if cur is None:
            if not line.strip():
                continue
            cur = {}
            cpus.append(cur)
        for m in re.finditer(r"\b([A-Z][A-Z0-9]*)\s*=\s*([0-9a-fA-F]+)\b",
                             line):
            cur.setdefault(m.group(1), int(m.group(2), 16))
        # ppc: "NIP 0000000000400d00   LR ...", "GPR00 v0 v1 v2 v3"
        m = re.match(r"^NIP\s+([0-9a-fA-F]+)\b", line)
        if m:
            cur.setdefault("NIP", int(m.group(1), 16))
        m = re.match(r"^GPR(\d\d)((?:\s+[0-9a-fA-F]{16}){4})\s*$", line)
        if m:
            for i, v in enumerate(m.group(2).split()):
                cur.setdefault("R%d" % (int(m.group(1)) + i), int(v, 16))
        m = re.search(r"\bPSW=mask [0-9a-fA-F]+ addr ([0-9a-fA-F]+)", line)
        if m:                              # s390x
            cur.setdefault("PSWADDR", int(m.group(1), 16))
    return cpus


def prstatus_pc_sp(note, arch, endian):
    d = note.desc
    if arch == "s390x":                    # psw.addr, r15
        return (struct.unpack_from(endian + "Q", d, 120)[0],
                struct.unpack_from(endian + "Q", d, 128 + 15 * 8)[0])
    if len(d) == 144:                      # i386: eip, esp
        regs = struct.unpack_from(endian + "17I", d, 72)
        return regs[12], regs[15]
    if arch == "x86_64":
        regs = struct.unpack_from(endian + "27Q", d, 112)
        return regs[16], regs[19]          # rip, rsp
    if arch == "ppc64":
        regs = struct.unpack_from(endian + "44Q", d, 112)
        return regs[32], regs[1]           # nip, r1
    regs = struct.unpack_from(endian + "34Q", d, 112)
    return regs[32], regs[31]              # pc, sp


def run_tool(vm, arch_opt, out, rep):
    argv = [TOOL, "-p", str(vm.pid), "-o", out, "--force", "--report", rep]
    if arch_opt:
        argv += ["-a", arch_opt]
    # No layout cache: every run resolves from scratch.
    env = dict(os.environ, QEMU_LIVEDUMP_PROFILE_CACHE="")
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=600, env=env)
    return p


def check_auto_arch(vm, tag, theirs_path, workdir):
    """Without -a the tool must write what QEMU's dump chose: the same ELF
    class, machine and byte order, and the same CPU notes."""
    path = os.path.join(workdir, tag + ".auto.vmcore")
    p = run_tool(vm, None, path, path + ".json")
    if p.returncode != 0:
        report(tag + " no -a", False, p.stderr.strip())
        return
    with qh.Vmcore(theirs_path) as tc, qh.Vmcore(path) as oc:
        want = (tc.elfclass, tc.e_machine, tc.endian)
        got = (oc.elfclass, oc.e_machine, oc.endian)
        diff = compare_notes(cpu_notes(oc), cpu_notes(tc))
        report(tag + " no -a: QEMU's ELF header and notes (class %d, "
               "machine %d)" % want[:2], got == want and not diff,
               "ours %r, QEMU's %r %s" % (got, want, diff))
    os.unlink(path)


def check_big_endian(vm, tag, le_path, workdir):
    """-a aarch64-be on the same paused VM: the same values, big-endian
    (QEMU would write these for a guest with SCTLR_EL1.EE set)."""
    be_path = os.path.join(workdir, tag + ".be.vmcore")
    p = run_tool(vm, "aarch64-be", be_path, be_path + ".json")
    if p.returncode != 0:
        report(tag + " aarch64-be", False, p.stderr.strip())
        return
    with qh.Vmcore(le_path) as lc, qh.Vmcore(be_path) as bc:
        le, be = cpu_notes(lc), cpu_notes(bc)
        ok = [(n.name, n.type, len(n.desc)) for n in le] == \
            [(n.name, n.type, len(n.desc)) for n in be]
        detail = "note lists differ"
        for a, b in zip(le, be) if ok else ():
            if a.type == 1:            # NT_PRSTATUS
                same = struct.unpack_from("<I34QI", a.desc, 32 - 0)[:1] == \
                    struct.unpack_from(">I34QI", b.desc, 32)[:1] and \
                    struct.unpack_from("<34QI", a.desc, 112) == \
                    struct.unpack_from(">34QI", b.desc, 112)
            elif a.type == 2:          # NT_PRFPREG: halves swapped in BE
                lv = struct.unpack_from("<64Q2I", a.desc)
                bv = struct.unpack_from(">64Q2I", b.desc)
                swapped = []
                for i in range(32):
                    swapped += [bv[2 * i + 1], bv[2 * i]]
                same = tuple(swapped) + bv[64:] == lv
            else:                      # NT_ARM_SVE: header fields
                same = struct.unpack_from("<IIHHH", a.desc) == \
                    struct.unpack_from(">IIHHH", b.desc)
            if not same:
                ok = False
                detail = "note type %#x differs beyond byte order" % a.type
                break
    report(tag + " aarch64-be notes = LE values in big-endian", ok, detail)


CASES = [
    # name, arch, machine, mem, -cpu, tool arch, binary kind
    ("x86_64-q35", "x86_64", "q35", "256M", None, "X86_64"),
    ("aarch64-cortex-a57", "aarch64", "virt", "256M", "cortex-a57",
     "aarch64-le"),
    ("aarch64-max", "aarch64", "virt", "256M", "max", "aarch64-le"),
    # Before the first instruction (-S): not in long mode, so QEMU writes
    # the i386 NT_PRSTATUS (in an ELFCLASS64 EM_386 file); -a 386.
    ("x86_64-prelaunch-386", "x86_64", "q35", "256M", None, "386"),
    # CPU 0 runs the payload, CPU 1 stays stopped: ten notes each.
    ("s390x-ccw", "s390x", "s390-ccw-virtio", "256M", None, "s390"),
]
# ppc64 pseries (TCG): no -a, the tool picks QEMU's byte order; on the
# QEMUs that have qemu-system-ppc64 (optional 7th field: the installs,
# and another build of the payload).  The default CPU is the machine's
# (7.2: POWER9, 10.0: POWER10).
PPC64_INSTALLS = [("stock", "stock-7.2"), ("debug-misc", "debug-7.2-misc"),
                  ("debug-10.0.13-misc", "debug-10.0.13-misc"),
                  ("chroot-10.0.13", "chroot-10.0.13")]
CASES += [
    ("ppc64-pseries-be", "ppc64", "pseries", "256M", None, None,
     {"installs": PPC64_INSTALLS}),
    ("ppc64-pseries-le", "ppc64", "pseries", "256M", None, None,
     {"installs": PPC64_INSTALLS, "payload": "payload-ppc64le.elf"}),
    ("ppc64-pseries-power7-le", "ppc64", "pseries", "256M", "POWER7", None,
     {"installs": PPC64_INSTALLS, "payload": "payload-ppc64le.elf"}),
]
# Cases run on some installs only (the others have no such QEMU): s390x
# is Debian 12's qemu-system-misc, the misc groups of the 7.2 and 10.0.13
# debug builds and Debian 13's qemu-system-s390x in the chroot.
CASE_INSTALLS = {"s390x-ccw": ("stock", "debug", "debug-10.0.13",
                               "chroot-10.0.13")}


# Every QEMU the notes are proven on (tests/setup-qemus.sh makes them);
# the old short names for Debian 12's stock and debug 7.2.
INSTALLS = [("stock", "stock-7.2"), ("debug", "debug-7.2"),
            ("stock-10.0.2", "stock-10.0.2"),
            ("chroot-10.0.13", "chroot-10.0.13"),
            ("debug-10.0.13", "debug-10.0.13"),
            ("debug-10.2.2", "debug-10.2.2")]


def installs(case):
    all_ = qh.installs()
    all_["debug-7.2"].bindir = DEBUG_DIR
    names = case[6].get("installs", INSTALLS) if len(case) > 6 else INSTALLS
    return [(kind, all_[name]) for kind, name in names]


def run_case(case, kind, install, payloads, workdir):
    name, arch, machine, mem, cpu, tool_arch = case[:6]
    payload = case[6].get("payload") if len(case) > 6 else None
    tag = "%s-%s" % (name, kind)
    extra = ["-smp", "2"]
    if cpu:
        extra += ["-cpu", cpu]
    token = qh.new_token()
    prelaunch = "prelaunch" in name
    if prelaunch:
        extra.append("-S")
    with qh.start_payload_vm(arch, machine, mem, token, payloads, extra,
                             accel="tcg", install=install,
                             payload=payload) as vm:
        if not prelaunch:
            qh.wait_until_stamped(vm, 300)
            vm.pause()
        theirs_path = os.path.join(workdir, tag + ".qemu.vmcore")
        ours_path = os.path.join(workdir, tag + ".ours.vmcore")
        rep_path = os.path.join(workdir, tag + ".json")
        qh.qmp_dump(vm, theirs_path)
        p = run_tool(vm, tool_arch, ours_path, rep_path)
        if p.returncode != 0:
            report(tag + " tool", False, "exit %d: %s" % (p.returncode,
                                                          p.stderr.strip()))
            return
        report(tag + " tool", True)
        hmp = hmp_registers(vm)
        with qh.Vmcore(theirs_path) as tc, qh.Vmcore(ours_path) as oc:
            theirs, ours = cpu_notes(tc), cpu_notes(oc)
            diff = compare_notes(ours, theirs)
            report(tag + " notes byte for byte (%d notes)" % len(theirs),
                   not diff and len(theirs) > 0, diff)
            prs = [n for n in ours if n.name == "CORE" and n.type == 1]
            ok = len(prs) == 2 and len(hmp) >= 2
            detail = "%d NT_PRSTATUS, %d CPUs in HMP" % (len(prs), len(hmp))
            if ok:
                for i, n in enumerate(prs):
                    pc, sp = prstatus_pc_sp(n, arch, oc.endian)
                    h = hmp[i]
                    # A CPU outside long mode shows EIP/ESP.
                    hpc = h.get("RIP", h.get("EIP", h.get("PC",
                                                          h.get("NIP",
                                                          h.get("PSWADDR")))))
                    sp_reg = {"ppc64": "R1", "s390x": "R15"}.get(arch)
                    hsp = h.get("RSP", h.get("ESP", h.get("SP",
                                                         h.get(sp_reg))))
                    if (pc, sp) != (hpc, hsp):
                        ok = False
                        detail = "CPU %d: pc/sp %#x/%#x, HMP %s/%s" % (
                            i, pc, sp, hpc if hpc is None else hex(hpc),
                            hsp if hsp is None else hex(hsp))
            report(tag + " pc/sp match info registers", ok, detail)
        check_auto_arch(vm, tag, theirs_path, workdir)
        if tool_arch == "aarch64-le":
            check_big_endian(vm, tag, ours_path, workdir)
        with open(rep_path) as f:
            rep = json.load(f)
        report(tag + " report accel tcg", rep.get("accel") == "tcg",
               "accel %r" % rep.get("accel"))
        sys.stderr.write("%s: freeze %s us, %s threads\n" % (
            tag, rep.get("freeze_us"), rep.get("threads_frozen")))
        for w in rep.get("warnings", []):
            sys.stderr.write("%s: warning: %s\n" % (tag, w))


def main():
    keep = None
    only = None
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--keep" and args:
            keep = args.pop(0)
        elif a == "--only" and args:
            only = args.pop(0)
        else:
            sys.stderr.write(__doc__)
            return 2
    if not os.access(TOOL, os.X_OK):
        print("FAIL setup: no tool at %s (set QLD_TOOL)" % TOOL)
        print("cpu-notes: 0 passed, 1 failed")
        return 1
    payloads = qh.build_payloads()
    workdir = keep or tempfile.mkdtemp(prefix="qld-cpu-notes-")
    os.makedirs(workdir, exist_ok=True)
    try:
        for case in CASES:
            for kind, install in installs(case):
                tag = "%s-%s" % (case[0], kind)
                if kind not in CASE_INSTALLS.get(case[0], (kind,)):
                    continue
                if only and only not in tag:
                    continue
                if not install.present(case[1]):
                    # CI makes them all: a missing one is a failure.
                    report(tag, False, "no QEMU at %s (tests/setup-qemus.sh)"
                           % install.binary(case[1]))
                    continue
                t0 = time.monotonic()
                try:
                    run_case(case, kind, install, payloads, workdir)
                except (qh.HarnessError, OSError,
                        subprocess.SubprocessError) as e:
                    report(tag, False, str(e).splitlines()[0])
                sys.stderr.write("%s: %.1f s\n" % (tag,
                                                   time.monotonic() - t0))
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("cpu-notes: %d passed, %d failed" % (results["pass"],
                                                results["fail"]))
    return 0 if results["fail"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
