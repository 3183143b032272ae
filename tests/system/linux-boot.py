#!/usr/bin/env python3
"""Boot Debian's kernel with the busybox initramfs under one accelerator and
talk to its shell over the serial console on a pty, as a user would:

    kemu -accel ACCEL -m 512 -smp 2 -nographic -kernel vmlinuz
         -initrd initramfs.gz -append console=ttyS0

Waits for KEMU-GUEST-READY, types `nproc` and `grep MemTotal /proc/meminfo`,
checks 2 CPUs and about 512 MiB, then `poweroff -f` must make kemu exit 0.
Usage: linux-boot.py ACCEL (kvm or tcg).  Environment: KEMU (binary,
default ./kemu), LINUX_TIMEOUT (seconds to the shell; default 120 under
KVM, 900 under TCG), TCG_BACKEND (interp or native: -accel
tcg,backend=...; the cases are then named linux-tcg-BACKEND), TCG_THREAD
(multi or single: -accel tcg,thread=...; named linux-tcg-BACKEND-THREAD),
LINUX_SMP (CPUs, default 2: nproc must say so; named ...-smpN)."""
import glob
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.chdir(ROOT)
KEMU = os.environ.get("KEMU", "./kemu")
SMP = int(os.environ.get("LINUX_SMP", "2"))


def report(kind, case, why=""):
    print(f"{kind}: {case}" + (f": {why}" if why else ""), flush=True)


def hw_virt():
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read().split()
    except OSError:
        return False
    return "vmx" in flags or "svm" in flags


def accel_listed(accel):
    try:
        out = subprocess.run([KEMU, "-accel", "help"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return accel in out.split()


def why_not(accel):
    """The reason this accelerator cannot boot Linux here, or None.  Host
    facts come first: they do not need kemu to be built."""
    if accel == "kvm":
        if not os.path.exists("/dev/kvm"):
            return "/dev/kvm not present"
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return "/dev/kvm: permission denied"
        if not hw_virt():
            return ("KVM without hardware assistance (no vmx/svm in /proc/cpuinfo): "
                    "Debian's kernel does not boot in useful time; runs under TCG")
    if not os.access(KEMU, os.X_OK):
        return None  # reported as a failure by the caller
    if not accel_listed(accel):
        if accel == "kvm":
            return "kemu built without KVM support"
        return f"{accel.upper()} accelerator not available"
    return None


def assets():
    r = subprocess.run(["sh", "tests/fetch-assets.sh"], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip().splitlines()[-1:] or ["fetch-assets failed"]
    d = r.stdout.strip().splitlines()[-1]
    return d, None


def module_files(assets, names):
    """Debian's .ko files for the modules named and what they depend on, in
    load order, from the kernel package named in vmlinuz.pkg (its modules
    cached beside the assets).  Returns (paths, None) or (None, why)."""
    with open(os.path.join(assets, "vmlinuz.pkg")) as f:
        pkg = f.read().strip()
    root = os.path.join(assets, "modules-" + pkg)
    if not os.path.isdir(root):
        with tempfile.TemporaryDirectory(dir=assets) as d:
            r = subprocess.run(["apt-get", "download", pkg], cwd=d, capture_output=True,
                               text=True)
            debs = glob.glob(os.path.join(d, "*.deb"))
            if r.returncode or not debs:
                return None, f"apt-get download {pkg} failed: {r.stderr.strip()[-200:]}"
            subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(d, "x")], check=True)
            shutil.move(glob.glob(os.path.join(d, "x/lib/modules/*/kernel"))[0], root)
    paths = {os.path.basename(p)[:-3]: p for p in glob.glob(f"{root}/**/*.ko", recursive=True)}
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        if name not in paths:
            raise KeyError(name)
        with open(paths[name], "rb") as f:
            m = re.search(rb"depends=([^\0]*)\0", f.read())
        for dep in (m.group(1).decode().split(",") if m and m.group(1) else []):
            visit(dep)
        order.append(paths[name])

    try:
        for mod in names:
            visit(mod)
    except KeyError as e:
        return None, f"module {e} not in {pkg}"
    return order, None


def cpio_gz(root):
    """The tree at root as a gzipped newc archive: appended to the busybox
    initramfs, the kernel unpacks it over the first one."""
    names = subprocess.run(["find", "."], cwd=root, capture_output=True).stdout
    cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=names,
                          capture_output=True, check=True).stdout
    return subprocess.run(["gzip", "-1"], input=cpio, capture_output=True, check=True).stdout


class Guest:
    """kemu on a pty: what it prints is collected in self.buf."""

    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        self.buf = ""
        self.status = None

    def read_some(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # EIO: kemu closed the terminal (exited)
            data = b""
        if not data:
            self.reap(0.5)
            return False
        self.buf += data.decode("utf-8", "replace").replace("\r", "")
        return True

    def wait_for(self, pattern, timeout, start=0):
        """Match pattern in the output from offset start within timeout."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while True:
            m = rx.search(self.buf, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self.exited():
                return None
            self.read_some(min(left, 1.0))

    def type(self, line):
        for ch in line + "\r":
            os.write(self.fd, ch.encode())
            time.sleep(0.01)  # a terminal user types; the UART has a small FIFO

    def wait_exit(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.exited():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.read_some(min(left, 1.0))
        return True

    def exited(self):
        return self.status is not None or self.reap(0)

    def reap(self, timeout):
        deadline = time.monotonic() + timeout
        while self.status is None:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                break
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        return self.status is not None

    def kill(self):
        if not self.exited():
            os.kill(self.pid, signal.SIGKILL)
            self.reap(5)

    def tail(self):
        lines = [l for l in self.buf.splitlines() if l.strip()]
        return " | ".join(lines[-3:])[-300:]


def tcg_backend_missing(backend):
    """Why kemu cannot run TCG on this backend, or None."""
    r = subprocess.run([KEMU, "-accel", f"tcg,backend={backend}", "-accel", "help"],
                       capture_output=True, text=True, timeout=30)
    return None if r.returncode == 0 else (r.stderr.strip() or "backend not available")


def run(accel):
    name = f"linux-{accel}"
    opt = accel
    backend = os.environ.get("TCG_BACKEND") if accel == "tcg" else None
    if backend:
        name, opt = f"linux-tcg-{backend}", f"tcg,backend={backend}"
    thread = os.environ.get("TCG_THREAD") if accel == "tcg" else None
    if thread:
        name, opt = f"{name}-{thread}", f"{opt},thread={thread}"
    if SMP != 2:
        name += f"-smp{SMP}"
    why = why_not(accel)
    if not why and backend and os.access(KEMU, os.X_OK):
        why = tcg_backend_missing(backend)
    if why:
        report("SKIP", name, why)
        return 0
    if not os.access(KEMU, os.X_OK):
        report("FAIL", name, f"{KEMU} not built")
        return 1
    d, err = assets()
    if not d:
        report("FAIL", name, f"test assets unavailable: {err[0]}")
        return 1
    timeout = float(os.environ.get("LINUX_TIMEOUT", 120 if accel == "kvm" else 900))
    g = Guest([KEMU, "-accel", opt, "-m", "512", "-smp", str(SMP), "-nographic",
               "-kernel", os.path.join(d, "vmlinuz"), "-initrd", os.path.join(d, "initramfs.gz"),
               "-append", "console=ttyS0"])
    try:
        return converse(g, name, timeout)
    finally:
        g.kill()


def static_program(g, name):
    """A static program of ours runs in the guest and computes what it
    computes natively (cpuwork: integer hashing, qsort, floating point)."""
    d, _ = assets()
    native = subprocess.run([os.path.join(d, "cpuwork"), "2"], capture_output=True,
                            text=True).stdout
    want = re.search(r"checksum ([0-9a-f]+)", native)
    start = len(g.buf)
    g.type("/bin/cpuwork 2")
    m = g.wait_for(r"^cpuwork: 2 rounds checksum ([0-9a-f]+) in", 300, start)
    if m and want and m.group(1) == want.group(1):
        report("PASS", f"{name}/static-program")
        return 0
    got = m.group(1) if m else g.tail()
    report("FAIL", f"{name}/static-program",
           f"expected checksum {want.group(1) if want else '?'}; got: {got}")
    return 1


def converse(g, name, timeout):
    if not g.wait_for(r"^KEMU-GUEST-READY", timeout):
        report("FAIL", f"{name}/boot", f"no KEMU-GUEST-READY in {timeout:.0f}s; got: {g.tail()}")
        return 1
    report("PASS", f"{name}/boot")
    g.wait_for(r"[#$] (?:\x1b\[6n)?$", 20)   # the prompt (ash asks for the cursor)
    failed = 0

    start = len(g.buf)
    g.type("nproc")
    m = g.wait_for(r"^(\d+)$", 60, start)
    if m and int(m.group(1)) == SMP:
        report("PASS", f"{name}/nproc")
    else:
        report("FAIL", f"{name}/nproc", f"expected {SMP} CPUs; got: {g.tail()}")
        failed = 1

    start = len(g.buf)
    g.type("grep MemTotal /proc/meminfo")
    m = g.wait_for(r"^MemTotal:\s+(\d+) kB", 60, start)
    kib = int(m.group(1)) if m else 0
    if 448 * 1024 <= kib <= 512 * 1024:
        report("PASS", f"{name}/memtotal")
    else:
        report("FAIL", f"{name}/memtotal", f"expected about 512 MiB; got: {g.tail()}")
        failed = 1

    failed |= static_program(g, name)

    g.type("poweroff -f")
    if g.wait_exit(60) and g.status == 0:
        report("PASS", f"{name}/poweroff")
    elif g.status is None:
        report("FAIL", f"{name}/poweroff", f"kemu still running 60s after poweroff; got: {g.tail()}")
        failed = 1
    else:
        report("FAIL", f"{name}/poweroff", f"kemu exited with status {g.status}, expected 0")
        failed = 1
    return failed


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: linux-boot.py kvm|tcg")
    sys.exit(run(sys.argv[1]))
