# SPDX-License-Identifier: GPL-2.0-or-later
"""Real-QEMU test harness: start QEMU with a QMP socket, drive the stamping
payloads of tests/guests/, take QEMU's own dump and check vmcores.

Python 3 standard library only.  Typical use::

    import qemu_harness as qh
    payloads = qh.build_payloads()                 # tests/guests/build.sh
    token = qh.new_token()
    with qh.start_payload_vm("x86_64", "q35", "5G", token, payloads) as vm:
        qh.wait_until_stamped(vm, 300)
        vm.pause()
        qh.qmp_dump(vm, "/tmp/x.vmcore")
        core = qh.Vmcore("/tmp/x.vmcore")
        desc = qh.read_descriptor_from_vmcore(core, vm.arch)
        checked, bad = qh.check_stamps(core, token, desc)

The guest control block layout mirrors tests/guests/payload.h.
"""

import atexit
import collections
import errno
import json
import mmap
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GUESTS_DIR = os.path.normpath(os.path.join(HERE, "..", "guests"))

PAGE_SIZE = 4096

# --- control block (tests/guests/payload.h) -------------------------------
CB_MAGIC = 0x314C594150444C51          # "QLDPAYL1" little-endian
CB_OFF_MAGIC = 0x00
CB_OFF_TOKEN = 0x08
CB_OFF_STATE = 0x10
CB_OFF_HEARTBEAT = 0x18
CB_OFF_NRANGES = 0x20
CB_OFF_PAGES = 0x28
CB_OFF_CHURN_START = 0x30
CB_OFF_CHURN_SIZE = 0x38
CB_OFF_RESV_START = 0x40
CB_OFF_RESV_END = 0x48
CB_OFF_ARCH = 0x50
CB_OFF_NREGIONS = 0x58
CB_OFF_DIMMS = 0x60
CB_OFF_EJECTED = 0x68
CB_OFF_RANGES = 0x100
CB_MAX_RANGES = 240
CB_OFF_REGIONS = 0x1000
CB_MAX_REGIONS = 255
CB_SIZE = 2 * PAGE_SIZE
CB_STATE_STAMPING = 1
CB_STATE_DONE = 2
CB_STATE_ERROR = 3
CB_ARCH = {"x86_64": 1, "aarch64": 2}

# Guest-physical address of the control block per architecture.
CB_ADDR = {"x86_64": 0x100000, "aarch64": 0x40300000}
# ppc64 (pseries): above the payload image SLOF starts at 0x400000
# (tests/guests/ppc64); payload-ppc64le.elf is the little-endian build.
CB_ARCH["ppc64"] = 3
CB_ADDR["ppc64"] = 0x500000
# s390x (s390-ccw-virtio): above the payload image (tests/guests/s390x).
CB_ARCH["s390x"] = 4
CB_ADDR["s390x"] = 0x100000
HEARTBEAT_ADDR = {a: c + CB_OFF_HEARTBEAT for a, c in CB_ADDR.items()}
STATE_ADDR = {a: c + CB_OFF_STATE for a, c in CB_ADDR.items()}
TOKEN_ADDR = {a: c + CB_OFF_TOKEN for a, c in CB_ADDR.items()}

PAYLOAD_NAME = {"x86_64": "payload-x86_64.elf",
                "aarch64": "payload-aarch64.elf"}
PAYLOAD_NAME["ppc64"] = "payload-ppc64be.elf"
PAYLOAD_NAME["s390x"] = "payload-s390x.elf"
# Targets whose HMP `xp` prints words in big-endian order (the target's).
XP_BIG_ENDIAN = {"ppc64", "s390x"}

STOCK_FIRMWARE_DIRS = ["/usr/share/qemu", "/usr/share/seabios",
                       "/usr/lib/ipxe/qemu"]
CACHE = os.environ.get("QLD_QEMU_CACHE", "/var/cache/qemu-livedump")


# --- the QEMUs under test ----------------------------------------------------
class Install:
    """One QEMU build to test and how to start it.

    kind: "stock" (a distribution's stripped binary: layouts from a
    profile), "dwarf" (a debug build) or "chroot" (a stock binary in a
    Debian root of its own, started with chroot(8) as a container would
    run it; every path QEMU sees is inside that root).
    """

    def __init__(self, name, version, kind, bindir, root=None,
                 firmware_dirs=(), env=None, arch_bindirs=None):
        self.name = name
        self.version = version
        self.kind = kind
        self.bindir = bindir          # as QEMU sees it (inside root)
        self.root = root
        self.firmware_dirs = list(firmware_dirs)
        self.env = dict(env or {})
        # Arches whose binary is elsewhere (a debug build's "misc" group).
        self.arch_bindirs = dict(arch_bindirs or {})

    def _path(self, arch):
        return os.path.join(self.arch_bindirs.get(arch, self.bindir),
                            "qemu-system-" + arch)

    def binary(self, arch):
        """The binary's path on this (the tool's) side."""
        path = self._path(arch)
        return self.root + path if self.root else path

    def present(self, arch):
        return os.access(self.binary(arch), os.X_OK)

    def command(self, arch):
        path = self._path(arch)
        return ["chroot", self.root, path] if self.root else [path]

    def mkdtemp(self, prefix):
        base = os.path.join(self.root, "tmp") if self.root else None
        return tempfile.mkdtemp(prefix=prefix, dir=base)

    def qemu_path(self, path):
        """A path on our side as QEMU sees it (it must be inside root)."""
        if not self.root:
            return path
        root = os.path.realpath(self.root)
        real = os.path.realpath(path)
        if not real.startswith(root + "/"):
            raise HarnessError("%s is outside QEMU's root %s" % (path, root))
        return real[len(root):]

    def __repr__(self):
        return "<%s %s>" % (self.name, self.version)


# tests/build-debug-qemu.sh VERSION misc builds these into SUBDIR-misc/.
MISC_ARCHES = ("ppc64", "s390x")


def _debug_install(version, subdir):
    misc = os.path.join(CACHE, subdir + "-misc", "bin")
    return Install("debug-" + version, version, "dwarf",
                   os.path.join(CACHE, subdir, "bin"),
                   firmware_dirs=STOCK_FIRMWARE_DIRS,
                   arch_bindirs={a: misc for a in MISC_ARCHES})


def installs():
    """Every QEMU this machine can test, by name (present or not)."""
    bpo = os.path.join(CACHE, "stock-10.0.2", "root")
    res = [
        Install("stock-7.2", "7.2", "stock", "/usr/bin"),
        _debug_install("7.2", "qemu-debug"),
        # ppc64 and s390x of the same source (build-debug-qemu.sh 7.2 misc).
        Install("debug-7.2-misc", "7.2", "dwarf",
                os.path.join(CACHE, "qemu-debug-misc", "bin"),
                firmware_dirs=STOCK_FIRMWARE_DIRS),
        Install("debug-10.0.13-misc", "10.0.13", "dwarf",
                os.path.join(CACHE, "qemu-debug-10.0.13-misc", "bin"),
                firmware_dirs=STOCK_FIRMWARE_DIRS),
        _debug_install("10.0.2", "qemu-debug-10.0.2"),
        _debug_install("10.0.13", "qemu-debug-10.0.13"),
        _debug_install("10.2.2", "qemu-debug-10.2.2"),
        # bookworm-backports' debs unpacked (tests/stock-qemu.sh 10.0.2).
        Install("stock-10.0.2", "10.0.2", "stock",
                os.path.join(bpo, "usr", "bin"),
                firmware_dirs=[os.path.join(bpo, "usr/share/qemu"),
                               os.path.join(bpo, "usr/share/seabios"),
                               "/usr/lib/ipxe/qemu"],
                env={"QEMU_MODULE_DIR":
                     os.path.join(bpo, "usr/lib/x86_64-linux-gnu/qemu")}),
        # Debian 13 in a chroot (tests/stock-qemu.sh 10.0.13).
        Install("chroot-10.0.13", "10.0.13", "chroot", "/usr/bin",
                root=os.path.join(CACHE, "trixie-root")),
    ]
    return {i.name: i for i in res}


def install_for_binary(binary):
    """An ad-hoc Install for a plain binary path (older callers)."""
    if os.path.realpath(binary).startswith("/usr/bin/"):
        fw = []
    else:
        # A self-built QEMU does not know Debian's firmware locations.
        fw = STOCK_FIRMWARE_DIRS
    return Install("binary", "?", "stock", os.path.dirname(binary),
                   firmware_dirs=fw)


def log(msg):
    sys.stderr.write("qemu_harness: %s\n" % msg)
    sys.stderr.flush()


class HarnessError(Exception):
    pass


class QMPError(HarnessError):
    def __init__(self, cmd, err):
        self.cmd = cmd
        self.err = err
        super().__init__("QMP %s failed: %s: %s" % (
            cmd, err.get("class"), err.get("desc")))


# --- QMP client -------------------------------------------------------------
class QMP:
    """Minimal synchronous QMP client over a unix socket."""

    def __init__(self, path, timeout=30.0, proc=None):
        self.path = path
        self.events = []
        self._buf = b""
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                break
            except OSError as e:
                s.close()
                if e.errno not in (errno.ENOENT, errno.ECONNREFUSED):
                    raise
                if proc is not None and proc.poll() is not None:
                    raise HarnessError("QEMU exited (rc %s) before QMP "
                                       "was up" % proc.returncode)
                if time.monotonic() > deadline:
                    raise HarnessError("QMP socket %s: timeout" % path)
                time.sleep(0.05)
        self.sock = s
        self.sock.settimeout(timeout)
        greeting = self._recv()
        # An event (e.g. RESUME right after start-up) can beat the greeting.
        for _ in range(100):
            if "event" not in greeting:
                break
            self.events.append(greeting)
            greeting = self._recv()
        if "QMP" not in greeting:
            raise HarnessError("unexpected QMP greeting %r" % greeting)
        self.greeting = greeting
        self.execute("qmp_capabilities")

    def _recv(self):
        while b"\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise HarnessError("QMP connection closed")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, cmd, args=None, timeout=600.0):
        """Run one command; return its "return" value or raise QMPError."""
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        self.sock.settimeout(timeout)
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self._recv()
            if "event" in msg:
                self.events.append(msg)
                continue
            if "error" in msg:
                raise QMPError(cmd, msg["error"])
            if "return" in msg:
                return msg["return"]

    def hmp(self, cmdline, timeout=60.0):
        return self.execute("human-monitor-command",
                            {"command-line": cmdline}, timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# --- accelerator detection --------------------------------------------------
_kvm_cache = {}


def _host_arch():
    m = os.uname().machine
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(m, m)


def kvm_usable(arch="x86_64", qemu_binary=None, install=None):
    """True when /dev/kvm opens and a trial VM of this arch runs under KVM."""
    if arch != _host_arch():
        return False
    install = install or install_for_binary(qemu_binary or
                                            default_binary(arch))
    key = install.binary(arch)
    if key in _kvm_cache:
        return _kvm_cache[key]
    ok = False
    try:
        fd = os.open(os.path.join(install.root or "/", "dev/kvm"),
                     os.O_RDWR | os.O_CLOEXEC)
        os.close(fd)
        ok = _kvm_trial(arch, install)
    except OSError as e:
        log("/dev/kvm unusable for %s: %s" % (install.name, e))
    _kvm_cache[key] = ok
    return ok


def _kvm_trial(arch, install):
    machine = "pc" if arch == "x86_64" else "virt"
    try:
        vm = _launch(arch, machine, "32M", [], "kvm", install)
    except HarnessError as e:
        log("KVM trial failed: %s" % e)
        return False
    try:
        kvm = vm.qmp.execute("query-kvm")
        if not (kvm.get("enabled") and kvm.get("present")):
            return False
        # Let firmware run for a moment: a broken KVM_RUN shows up as
        # internal-error or QEMU exiting.
        time.sleep(0.3)
        st = vm.query_status()
        return st.get("status") == "running"
    except (HarnessError, OSError) as e:
        log("KVM trial failed: %s" % e)
        return False
    finally:
        vm.stop()


# --- VM --------------------------------------------------------------------
_live_vms = set()


@atexit.register
def _kill_leftovers():
    # A test that dies without stop() must not leave QEMU running.
    for vm in list(_live_vms):
        vm.stop()


def default_binary(arch):
    return shutil.which("qemu-system-" + arch) or \
        "/usr/bin/qemu-system-" + arch


class VM:
    """A running QEMU process with a connected QMP client."""

    def __init__(self, proc, qmp, tmpdir, arch, machine, mem, accel, argv,
                 install):
        self.install = install
        self.proc = proc
        self.pid = proc.pid
        self.qmp = qmp
        self.tmpdir = tmpdir
        self.arch = arch
        self.machine = machine
        self.mem = mem
        self.accel = accel
        self.argv = argv
        _live_vms.add(self)

    @property
    def stderr_path(self):
        return os.path.join(self.tmpdir, "qemu.stderr")

    def stderr_text(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def hmp(self, cmdline):
        return self.qmp.hmp(cmdline)

    def query_status(self):
        return self.qmp.execute("query-status")

    def pause(self):
        self.qmp.execute("stop")

    def resume(self):
        self.qmp.execute("cont")

    def read_u64(self, addr):
        """Read a guest-physical little-endian u64 with HMP `xp`."""
        return self.read_u64s(addr, 1)[0]

    def read_u64s(self, addr, count):
        out = self.hmp("xp /%dgx 0x%x" % (count, addr))
        vals = []
        for line in out.splitlines():
            if ":" not in line:
                continue
            for word in line.split(":", 1)[1].split():
                vals.append(int(word, 16))
        if len(vals) != count:
            raise HarnessError("xp 0x%x: unexpected output %r" % (addr, out))
        if self.arch in XP_BIG_ENDIAN:
            # The control block is little-endian on every guest.
            vals = [int.from_bytes(v.to_bytes(8, "big"), "little")
                    for v in vals]
        return vals

    def read_phys(self, addr, size):
        """Read guest-physical bytes with QMP pmemsave (via a temp file)."""
        path = os.path.join(self.tmpdir, "pmem.bin")
        self.qmp.execute("pmemsave", {"val": addr, "size": size,
                                      "filename":
                                      self.install.qemu_path(path)})
        with open(path, "rb") as f:
            data = f.read()
        os.unlink(path)
        return data

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """Kill QEMU, reap it and remove the temp directory."""
        if self.qmp is not None:
            self.qmp.close()
            self.qmp = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.tmpdir and os.path.isdir(self.tmpdir):
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        _live_vms.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def _launch(arch, machine, mem, extra_args, accel, install):
    tmpdir = install.mkdtemp("qld-qemu-")
    sock = os.path.join(tmpdir, "qmp.sock")
    argv = install.command(arch) + [
        "-nodefaults", "-no-user-config", "-display", "none",
        "-M", machine, "-m", str(mem), "-accel", accel,
        "-chardev", "socket,id=qmp,path=%s,server=on,wait=off" %
        install.qemu_path(sock), "-mon", "chardev=qmp,mode=control"]
    for d in install.firmware_dirs:
        argv += ["-L", d]
    extra_args = list(extra_args or [])
    if arch == "aarch64" and "-cpu" not in extra_args:
        argv += ["-cpu", "max" if accel == "kvm" else "cortex-a57"]
    argv += extra_args
    env = dict(os.environ)
    env.update(install.env)
    errf = open(os.path.join(tmpdir, "qemu.stderr"), "wb")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=errf, stderr=errf, env=env,
                                start_new_session=True)
    except OSError as e:
        errf.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise HarnessError("cannot run %s: %s" % (argv[0], e))
    errf.close()
    try:
        qmp = QMP(sock, proc=proc)
    except (HarnessError, OSError) as e:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        with open(os.path.join(tmpdir, "qemu.stderr"),
                  errors="replace") as f:
            tail = f.read()[-2000:]
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise HarnessError("%s\nargv: %s\nstderr: %s" %
                           (e, " ".join(argv), tail))
    return VM(proc, qmp, tmpdir, arch, machine, mem, accel, argv, install)


def start_qemu(arch, machine, mem, extra_args=(), accel="auto",
               qemu_binary=None, firmware_dirs=None, install=None):
    """Start qemu-system-ARCH with a QMP socket; returns a VM.

    accel: "kvm", "tcg" or "auto" (KVM when /dev/kvm opens and a trial VM
    runs, else TCG; the choice is reported on stderr).
    install: the Install to start (else one made for qemu_binary, default
    the system's QEMU); firmware_dirs overrides its -L directories.
    """
    install = install or install_for_binary(qemu_binary or
                                            default_binary(arch))
    if firmware_dirs is not None:
        install = Install(install.name, install.version, install.kind,
                          install.bindir, install.root, firmware_dirs,
                          install.env, install.arch_bindirs)
    if accel == "auto":
        if kvm_usable(arch, install=install):
            accel = "kvm"
        else:
            accel = "tcg"
        log("%s %s %s: using %s" % (install.name, arch, machine,
                                    accel.upper()))
    return _launch(arch, machine, mem, extra_args, accel, install)


# --- payloads ----------------------------------------------------------------
def build_payloads(outdir=None):
    """Run tests/guests/build.sh; returns the output directory."""
    if outdir is None:
        outdir = os.path.join(tempfile.gettempdir(),
                              "qld-payloads-%d" % os.getuid())
    subprocess.run([os.path.join(GUESTS_DIR, "build.sh"), outdir],
                   check=True, stdout=subprocess.DEVNULL)
    return outdir


def new_token():
    """A random non-zero 64-bit token, different for every run."""
    return random.SystemRandom().getrandbits(64) | 1


def payload_args(arch, payload_dir, token, install=None, payload=None):
    """-kernel and -device loader arguments for the stamping payload
    (PAYLOAD: another build of it, e.g. payload-aarch64be.elf)."""
    name = payload or PAYLOAD_NAME[arch]
    kernel = os.path.join(payload_dir, name)
    if install is not None and install.root:
        # QEMU in another root sees only files inside it.
        inside = os.path.join(install.root, "tmp", "qld-payloads")
        os.makedirs(inside, exist_ok=True)
        shutil.copy(kernel, inside)
        kernel = install.qemu_path(os.path.join(inside, name))
    return ["-kernel", kernel, "-device",
            "loader,addr=0x%x,data=0x%x,data-len=8" % (TOKEN_ADDR[arch],
                                                       token)]


def start_payload_vm(arch, machine, mem, token, payload_dir, extra_args=(),
                     **kw):
    """start_qemu() booting the stamping payload with TOKEN (payload=NAME:
    another build of it)."""
    args = payload_args(arch, payload_dir, token, kw.get("install"),
                        kw.pop("payload", None)) + list(extra_args)
    return start_qemu(arch, machine, mem, args, **kw)


def read_heartbeat(vm):
    return vm.read_u64(HEARTBEAT_ADDR[vm.arch])


def wait_until_stamped(vm, timeout=120.0, poll=0.2):
    """Poll the payload's state word until stamping is done.

    Returns the seconds waited; raises HarnessError on timeout, on a
    payload error or when QEMU dies."""
    t0 = time.monotonic()
    cb = CB_ADDR[vm.arch]
    while True:
        if not vm.alive():
            raise HarnessError("QEMU exited: %s" % vm.stderr_text()[-2000:])
        magic, _tok, state = vm.read_u64s(cb, 3)
        if magic == CB_MAGIC and state == CB_STATE_DONE:
            return time.monotonic() - t0
        if magic == CB_MAGIC and state == CB_STATE_ERROR:
            raise HarnessError("payload found no usable RAM description")
        if time.monotonic() - t0 > timeout:
            raise HarnessError("payload not done stamping after %.0fs "
                               "(magic %#x state %d)" % (timeout, magic,
                                                         state))
        time.sleep(poll)


def wait_heartbeat_advances(vm, timeout=10.0):
    """Wait until the heartbeat moves; returns (old, new)."""
    old = read_heartbeat(vm)
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        new = read_heartbeat(vm)
        if new != old:
            return old, new
        time.sleep(0.05)
    raise HarnessError("heartbeat stuck at %d for %.0fs" % (old, timeout))


def pause(vm):
    vm.pause()


def resume(vm):
    vm.resume()


def query_status(vm):
    """QMP query-status, e.g. {"status": "paused", "running": False}."""
    return vm.query_status()


def qmp_dump(vm, path, timeout=600.0):
    """QEMU's own dump-guest-memory (paging=false, ELF) into PATH.

    Without detach the command returns only when the file is complete."""
    t0 = time.monotonic()
    target = path
    if vm.install.root:
        # Into QEMU's root first; then where the caller wants it.
        target = os.path.join(vm.tmpdir, "qmp-dump.vmcore")
    vm.qmp.execute("dump-guest-memory",
                   {"paging": False,
                    "protocol": "file:" + vm.install.qemu_path(target)},
                   timeout=timeout)
    if target != path:
        shutil.move(target, path)
    return time.monotonic() - t0


# --- ELF vmcore reader -----------------------------------------------------
PT_LOAD = 1
PT_NOTE = 4
PN_XNUM = 0xFFFF

Load = collections.namedtuple(
    "Load", "p_paddr p_vaddr p_offset p_filesz p_memsz p_flags p_align")
Note = collections.namedtuple("Note", "name type desc offset")


class Vmcore:
    """Read-only view of an ELF core file (ELF32/64, LE/BE)."""

    def __init__(self, path):
        self.path = path
        self._f = open(path, "rb")
        size = os.fstat(self._f.fileno()).st_size
        if size < 52:
            raise HarnessError("%s: too small for ELF" % path)
        self.mm = mmap.mmap(self._f.fileno(), 0, access=mmap.ACCESS_READ)
        ident = self.mm[:16]
        if ident[:4] != b"\x7fELF":
            raise HarnessError("%s: not ELF" % path)
        self.elfclass = {1: 32, 2: 64}.get(ident[4])
        self.endian = {1: "<", 2: ">"}.get(ident[5])
        if not self.elfclass or not self.endian:
            raise HarnessError("%s: bad ELF ident" % path)
        e = self.endian
        if self.elfclass == 64:
            (self.e_type, self.e_machine, _v, self.e_entry, self.e_phoff,
             self.e_shoff, self.e_flags, _eh, self.e_phentsize,
             self.e_phnum_raw, self.e_shentsize, self.e_shnum,
             self.e_shstrndx) = struct.unpack_from(e + "HHIQQQIHHHHHH",
                                                   self.mm, 16)
        else:
            (self.e_type, self.e_machine, _v, self.e_entry, self.e_phoff,
             self.e_shoff, self.e_flags, _eh, self.e_phentsize,
             self.e_phnum_raw, self.e_shentsize, self.e_shnum,
             self.e_shstrndx) = struct.unpack_from(e + "HHIIIIIHHHHHH",
                                                   self.mm, 16)
        self.e_phnum = self.e_phnum_raw
        if self.e_phnum_raw == PN_XNUM:
            # Real count is in section header 0's sh_info.
            if self.elfclass == 64:
                self.e_phnum = struct.unpack_from(e + "I", self.mm,
                                                  self.e_shoff + 44)[0]
            else:
                self.e_phnum = struct.unpack_from(e + "I", self.mm,
                                                  self.e_shoff + 28)[0]
        self.phdrs = []
        for i in range(self.e_phnum):
            off = self.e_phoff + i * self.e_phentsize
            if self.elfclass == 64:
                (p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz,
                 p_memsz, p_align) = struct.unpack_from(e + "IIQQQQQQ",
                                                        self.mm, off)
            else:
                (p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz,
                 p_flags, p_align) = struct.unpack_from(e + "IIIIIIII",
                                                        self.mm, off)
            self.phdrs.append((p_type, Load(p_paddr, p_vaddr, p_offset,
                                            p_filesz, p_memsz, p_flags,
                                            p_align)))
        self.loads = sorted((p for t, p in self.phdrs if t == PT_LOAD),
                            key=lambda p: p.p_paddr)
        for p in self.loads:
            if p.p_offset + p.p_filesz > size:
                raise HarnessError("%s: PT_LOAD at paddr %#x runs past EOF"
                                   % (path, p.p_paddr))

    def close(self):
        self.mm.close()
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def find_load(self, paddr):
        for p in self.loads:
            if p.p_paddr <= paddr < p.p_paddr + p.p_filesz:
                return p
        return None

    def read_phys(self, paddr, size):
        """Bytes at a guest-physical address, or None if not fully dumped."""
        out = b""
        while size > 0:
            p = self.find_load(paddr)
            if p is None:
                return None
            n = min(size, p.p_paddr + p.p_filesz - paddr)
            off = p.p_offset + paddr - p.p_paddr
            out += self.mm[off:off + n]
            paddr += n
            size -= n
        return out

    def read_u64(self, paddr):
        b = self.read_phys(paddr, 8)
        return None if b is None else struct.unpack(self.endian + "Q", b)[0]

    def notes(self):
        """All notes of all PT_NOTE segments, in file order."""
        res = []
        e = self.endian
        for t, p in self.phdrs:
            if t != PT_NOTE:
                continue
            off, end = p.p_offset, p.p_offset + p.p_filesz
            while off + 12 <= end:
                namesz, descsz, ntype = struct.unpack_from(e + "III",
                                                           self.mm, off)
                noff = off + 12
                doff = noff + ((namesz + 3) & ~3)
                nxt = doff + ((descsz + 3) & ~3)
                if nxt > end:
                    break
                name = bytes(self.mm[noff:noff + namesz]).rstrip(b"\0")
                res.append(Note(name.decode("ascii", "replace"), ntype,
                                bytes(self.mm[doff:doff + descsz]), off))
                off = nxt
        return res


# --- stamp checking --------------------------------------------------------
Descriptor = collections.namedtuple(
    "Descriptor", "addr magic token state heartbeat pages churn_start "
    "churn_size resv_start resv_end arch ranges regions")


def parse_descriptor(data, cb_addr):
    """Decode the CB_SIZE bytes of a payload control block."""
    if data is None or len(data) < CB_SIZE:
        raise HarnessError("control block at %#x not readable" % cb_addr)
    q = lambda off: struct.unpack_from("<Q", data, off)[0]
    nr = min(q(CB_OFF_NRANGES), CB_MAX_RANGES)
    ng = min(q(CB_OFF_NREGIONS), CB_MAX_REGIONS)
    ranges = [(q(CB_OFF_RANGES + 16 * i), q(CB_OFF_RANGES + 16 * i + 8))
              for i in range(nr)]
    regions = [(q(CB_OFF_REGIONS + 16 * i), q(CB_OFF_REGIONS + 16 * i + 8))
               for i in range(ng)]
    return Descriptor(cb_addr, q(CB_OFF_MAGIC), q(CB_OFF_TOKEN),
                      q(CB_OFF_STATE), q(CB_OFF_HEARTBEAT), q(CB_OFF_PAGES),
                      q(CB_OFF_CHURN_START), q(CB_OFF_CHURN_SIZE),
                      q(CB_OFF_RESV_START), q(CB_OFF_RESV_END),
                      q(CB_OFF_ARCH), ranges, regions)


def read_descriptor(vm):
    """The control block as the live guest has it (via QMP pmemsave)."""
    cb = CB_ADDR[vm.arch]
    return parse_descriptor(vm.read_phys(cb, CB_SIZE), cb)


def read_descriptor_from_vmcore(vmcore, arch):
    """The control block as captured in a vmcore."""
    cb = CB_ADDR[arch]
    return parse_descriptor(vmcore.read_phys(cb, CB_SIZE), cb)


def check_stamps(vmcore, token, descriptor):
    """Check every page listed in the descriptor's ranges.

    Each page must be in a PT_LOAD and hold u64 paddr at +0 and u64 token at
    +8 (little-endian guests).  Returns (pages_checked, mismatches) where
    mismatches is a list of (paddr, reason) tuples."""
    checked = 0
    bad = []
    stride = PAGE_SIZE // 8
    fast = sys.byteorder == "little" and vmcore.endian == "<"
    for start, end in descriptor.ranges:
        a = start
        while a < end:
            p = vmcore.find_load(a)
            if p is None:
                bad.append((a, "page not in any PT_LOAD"))
                checked += 1
                a += PAGE_SIZE
                continue
            stop = min(end, p.p_paddr + p.p_filesz)
            stop -= (stop - a) % PAGE_SIZE
            if stop <= a:
                # Partial page at the end of a PT_LOAD: check it slowly.
                stop = a + PAGE_SIZE
                fast_ok = False
            else:
                fast_ok = fast
            off = p.p_offset + a - p.p_paddr
            n = (stop - a) // PAGE_SIZE
            if fast_ok:
                words = memoryview(vmcore.mm)[off:off + n * PAGE_SIZE]
                words = words.cast("Q")
                addrs = words[0::stride].tolist()
                toks = words[1::stride].tolist()
                words.release()
                if (addrs == list(range(a, stop, PAGE_SIZE)) and
                        toks.count(token) == n):
                    checked += n
                    a = stop
                    continue
            for i in range(n):
                pa = a + i * PAGE_SIZE
                b = vmcore.read_phys(pa, 16)
                checked += 1
                if b is None:
                    bad.append((pa, "page not fully in the vmcore"))
                    continue
                got_a, got_t = struct.unpack("<QQ", b)
                if got_a != pa:
                    bad.append((pa, "paddr word %#x" % got_a))
                elif got_t != token:
                    bad.append((pa, "token %#x != %#x" % (got_t, token)))
            a = stop
    return checked, bad


def ranges_covered(vmcore, ranges):
    """[(start, end)] parts of RANGES that no PT_LOAD contains."""
    missing = []
    for start, end in ranges:
        a = start
        while a < end:
            p = vmcore.find_load(a)
            if p is None:
                nxt = min([q.p_paddr for q in vmcore.loads
                           if q.p_paddr > a] + [end])
                missing.append((a, nxt))
                a = nxt
            else:
                a = min(end, p.p_paddr + p.p_filesz)
    return missing
