#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot the tests/linux guests: Debian's kernel + the busybox initramfs
built by tests/linux/prepare, on the stock QEMU, with a QMP socket (through
tests/e2e/qemu_harness.py) and the serial console in a file.

    import boot
    with boot.LinuxGuest("x86_64", vmcoreinfo=True) as g:
        g.start()                       # returns once "QLD-READY" was printed
        g.token, g.marker, g.comm       # what a vmcore must show
        g.vm.pid                        # the QEMU process
        g.wait_heartbeat_after(n)       # the guest still runs

Command line (for a look by hand):
    tests/linux/boot.py x86_64|aarch64|s390x|ppc64le [--vmcoreinfo] [--accel kvm|tcg|auto]
boots, prints the QEMU pid and the console, and keeps running until ^C.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "e2e")))
import qemu_harness as qh  # noqa: E402

CACHE = os.environ.get("QLD_LINUX_CACHE", os.path.join(qh.CACHE, "linux"))
MEM = os.environ.get("QLD_LINUX_MEM", "512M")
# TCG boot to QLD-READY takes ~10 s (x86_64) / ~25 s (aarch64) here; the
# limits leave room for a loaded CI machine.
BOOT_TIMEOUT = float(os.environ.get("QLD_LINUX_BOOT_TIMEOUT", "300"))
KVM_BOOT_TIMEOUT = 30.0
# TCG unless asked: KVM is not usable for these kernels on every host (see
# README.md); "auto" tries KVM first and falls back to TCG.
ACCEL = os.environ.get("QLD_LINUX_ACCEL", "tcg")


def log(msg):
    sys.stderr.write("boot: %s\n" % msg)
    sys.stderr.flush()


class BootError(qh.HarnessError):
    pass


ARCHS = ("x86_64", "aarch64", "s390x", "ppc64le")
# The guest arch's QEMU binary (qemu-system-X) where the names differ:
# ppc64le is a little-endian kernel on qemu-system-ppc64's pseries.
QEMU_ARCH = {"ppc64le": "ppc64"}
# No fw_cfg on these machines, so no -device vmcoreinfo.
NO_FWCFG = ("s390x", "ppc64le")


def qemu_arch(arch):
    return QEMU_ARCH.get(arch, arch)


def fixture(arch, name):
    """Path of a file that tests/linux/prepare made; BootError if missing."""
    path = os.path.join(CACHE, arch, name)
    if not os.path.exists(os.path.join(CACHE, arch, "OK")) or \
            not os.path.exists(path):
        raise BootError("%s missing: run tests/linux/prepare" % path)
    return path


def new_token():
    # 8 hex digits: "qldsl-" + token is 14 characters, comm holds 15.
    return "%08x" % (qh.new_token() & 0xffffffff)


class LinuxGuest:
    """One guest.  accel: "tcg" (default, $QLD_LINUX_ACCEL), "kvm" or
    "auto" (KVM with -cpu host when usable, falling back to TCG if the
    kernel does not come up in KVM_BOOT_TIMEOUT)."""

    def __init__(self, arch, vmcoreinfo=False, accel=ACCEL, mem=MEM,
                 token=None, install=None, extra_args=(), extra_append=()):
        if arch not in ARCHS:
            raise ValueError("arch must be one of " + ", ".join(ARCHS))
        if arch in NO_FWCFG and vmcoreinfo:
            # The vmcoreinfo device needs fw_cfg, which s390x and pseries
            # lack.
            raise ValueError("%s has no -device vmcoreinfo" % arch)
        self.arch = arch
        # Which QEMU (qemu_harness.Install): Debian 12's by default.
        self.install = install or qh.installs()["stock-7.2"]
        if self.install.root:
            raise ValueError("Linux guests need a QEMU in our root")
        self.vmcoreinfo = vmcoreinfo
        self.extra_args = list(extra_args)      # more QEMU options
        self.extra_append = list(extra_append)  # more kernel parameters
        self.accel_req = accel
        self.mem = mem
        self.token = token or new_token()
        self.marker = "QLD-MARKER-" + self.token
        self.comm = "qldsl-" + self.token
        self.vm = None
        self.accel = None
        self.boot_seconds = None
        self.notes = []          # what happened on the way (KVM fallback...)
        self.tmpdir = tempfile.mkdtemp(prefix="qld-linux-")
        self.serial_path = os.path.join(self.tmpdir, "serial.log")
        self.vmlinux = fixture(arch, "vmlinux")
        self.vmlinuz = fixture(arch, "vmlinuz")
        self.initrd = fixture(arch, "initrd.gz")

    # --- QEMU command line ------------------------------------------------
    def _args(self, accel):
        append = ["qld_token=" + self.token, "panic=-1"]
        if self.vmcoreinfo:
            append.append("qld_fwcfg=1")
        args = ["-smp", "1", "-kernel", self.vmlinuz, "-initrd", self.initrd,
                "-chardev", "file,id=ser0,path=" + self.serial_path,
                "-serial", "chardev:ser0", "-no-reboot"]
        if self.arch == "x86_64":
            append.insert(0, "console=ttyS0")
            if accel == "kvm":
                # Debian's cloud kernel can hang early on KVM with the
                # default qemu64 model; the host's model boots.
                args += ["-cpu", "host"]
        elif self.arch == "s390x":
            # serial_hd(0) becomes the SCLP console (s390-virtio-ccw.c).
            append.insert(0, "console=ttysclp0")
        elif self.arch == "ppc64le":
            # pseries makes every serial_hd a spapr-vty (spapr.c), the
            # hypervisor console hvc0.
            append.insert(0, "console=hvc0")
        else:
            append.insert(0, "console=ttyAMA0")
            # cortex-a57 boots Debian's arm64 kernel much faster under TCG
            # than "max" (no pointer authentication / SVE to emulate).
            args += ["-cpu", "host" if accel == "kvm" else "cortex-a57"]
        if self.vmcoreinfo:
            args += ["-device", "vmcoreinfo"]
        args += self.extra_args
        args += ["-append", " ".join(append + self.extra_append)]
        return args

    def _machine(self):
        return {"x86_64": "q35", "s390x": "s390-ccw-virtio",
                "ppc64le": "pseries"}.get(self.arch, "virt")

    def _boot(self, accel, timeout):
        if os.path.exists(self.serial_path):
            os.unlink(self.serial_path)
        t0 = time.monotonic()
        self.vm = qh._launch(qemu_arch(self.arch), self._machine(), self.mem,
                             self._args(accel), accel, self.install)
        self.accel = accel
        try:
            self.wait_console("QLD-READY " + self.token, timeout)
        except BootError:
            self.vm.stop()
            self.vm = None
            raise
        self.boot_seconds = time.monotonic() - t0

    def start(self):
        """Boot and wait for QLD-READY.  Returns self."""
        accel = self.accel_req
        if accel == "auto":
            if qemu_arch(self.arch) == qh._host_arch() and \
                    qh.kvm_usable(qemu_arch(self.arch), install=self.install):
                try:
                    self._boot("kvm", KVM_BOOT_TIMEOUT)
                    return self
                except qh.HarnessError as e:
                    msg = "KVM boot failed, falling back to TCG: %s" % e
                    self.notes.append(msg)
                    log(msg)
            accel = "tcg"
        self._boot(accel, BOOT_TIMEOUT)
        return self

    # --- console ----------------------------------------------------------
    def console(self):
        try:
            with open(self.serial_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_console(self, text, timeout, start=0):
        """Wait until TEXT appears in the console after offset START;
        returns the offset just past it."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.console()
            i = out.find(text, start)
            if i >= 0:
                return i + len(text)
            if self.vm is None or not self.vm.alive():
                raise BootError("QEMU exited before %r; console tail:\n%s"
                                "\nstderr: %s" % (
                                    text, out[-1500:],
                                    self.vm.stderr_text()[-1000:]
                                    if self.vm else ""))
            if time.monotonic() > deadline:
                raise BootError("no %r on the console after %.0fs (%s); "
                                "console tail:\n%s" % (
                                    text, timeout, self.accel, out[-1500:]))
            time.sleep(0.2)

    def heartbeat(self):
        """The last heartbeat number the guest printed (0 if none)."""
        beats = re.findall(r"QLD-HB (\d+)", self.console())
        return int(beats[-1]) if beats else 0

    def wait_heartbeat_after(self, n, timeout=30.0):
        """Wait for a heartbeat > N; returns it (BootError on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            hb = self.heartbeat()
            if hb > n:
                return hb
            if time.monotonic() > deadline or not self.vm.alive():
                raise BootError("heartbeat stuck at %d for %.0fs" %
                                (hb, timeout))
            time.sleep(0.2)

    def stop(self):
        if self.vm is not None:
            self.vm.stop()
            self.vm = None
        if self.tmpdir and os.path.isdir(self.tmpdir):
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("arch", choices=ARCHS)
    ap.add_argument("--vmcoreinfo", action="store_true")
    ap.add_argument("--accel", default=ACCEL,
                    choices=("auto", "kvm", "tcg"))
    a = ap.parse_args()
    with LinuxGuest(a.arch, a.vmcoreinfo, a.accel) as g:
        g.start()
        print("pid %d accel %s boot %.1fs token %s serial %s" % (
            g.vm.pid, g.accel, g.boot_seconds, g.token, g.serial_path))
        sys.stdout.flush()
        try:
            while g.vm.alive():
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        print(g.console()[-2000:])


if __name__ == "__main__":
    main()
