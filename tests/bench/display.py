#!/usr/bin/env python3
"""make bench, display part: kemu against the installed QEMU with the same
small guest of ours (a boot sector that sets VGA mode 13h, 320x200, and
fills the whole screen with the other of two colours at each key), the
same accelerator (BENCH_DISPLAY_ACCEL: kvm where /dev/kvm works, else tcg)
and the same display sink:

  idle-vnc   host CPU time (user + system, from /proc) of the emulator over
             BENCH_IDLE_SECS (10) while the guest idles in its keyboard wait
             and a VNC client on a Unix socket keeps an incremental update
             request outstanding, as viewers do; and how often its threads
             woke (context switches of all its threads, per second);
  idle-sdl   the same with -display sdl on Xvfb (no client);
  idle-lfb   idle-vnc with the guest in a VBE mode with a linear frame
             buffer (640x480x16), which the CPU writes as plain memory;
  latency    a key sent over VNC until the client holds the whole new
             screen (Raw encoding, 32-bit pixels), over BENCH_LATENCY_N (20)
             toggles: median and worst.

Medians of BENCH_RUNS runs (default 3) of each.  Only measured, never
asserted."""
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.chdir(ROOT)
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
IDLE_SECS = float(os.environ.get("BENCH_IDLE_SECS", "10"))
LATENCY_N = int(os.environ.get("BENCH_LATENCY_N", "20"))
TICK = os.sysconf("SC_CLK_TCK")

# mov ax,13h; int 10h; mov dx,3f8h; mov al,0feh; out dx,al; mov ax,0a000h;
# mov es,ax; mov bl,1; l: xor ax,ax; int 16h; xor di,di; mov cx,32000;
# mov al,bl; mov ah,bl; cld; rep stosw; xor bl,0fh; jmp l
SECTOR = bytes.fromhex("b81300cd10baf803b0feeeb800a08ec0b301"
                       "31c0cd1631ffb9007d88d888dcfcf3ab80f30feb eb".replace(" ", ""))
# mov ax,4f02h; mov bx,4111h (640x480, 16 bpp, linear framebuffer); int 10h;
# mov dx,3f8h; mov al,0feh; out dx,al; l: xor ax,ax; int 16h; jmp l
LFB_SECTOR = bytes.fromhex("b8024fbb1141cd10baf803b0feee31c0cd16ebfa")


def accel():
    want = os.environ.get("BENCH_DISPLAY_ACCEL")
    if want:
        return want
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        with open("/proc/cpuinfo") as f:
            return "kvm" if any(w in f.read() for w in (" vmx", " svm")) else "tcg"
    except OSError:
        return "tcg"


def emulator_argv(engine, disk, extra):
    exe = "./kemu" if engine == "kemu" else shutil.which("qemu-system-x86_64")
    return [exe, "-accel", accel(), "-m", "64", "-net", "none", "-serial", "stdio",
            "-drive", f"file={disk},format=raw,if=ide", "-monitor", "none"] + extra


class Vm:
    def __init__(self, engine, disk, extra, env=None):
        self.p = subprocess.Popen(emulator_argv(engine, disk, extra), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)

    def wait_ready(self, timeout=120):
        end = time.time() + timeout
        buf = b""
        os.set_blocking(self.p.stdout.fileno(), False)
        while time.time() < end and self.p.poll() is None:
            data = self.p.stdout.read()
            if data:
                buf += data
                if b"\xfe" in buf:          # the sector's byte on COM1
                    return True
            time.sleep(0.05)
        return False

    def cpu_seconds(self):
        with open(f"/proc/{self.p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def switches(self):
        """Context switches of all the emulator's threads so far."""
        n = 0
        task = f"/proc/{self.p.pid}/task"
        for tid in os.listdir(task):
            try:
                with open(f"{task}/{tid}/status") as f:
                    for line in f:
                        if "ctxt_switches:" in line:
                            n += int(line.split()[-1])
            except OSError:
                pass
        return n

    def close(self):
        self.p.kill()
        self.p.wait()


class Rfb:
    """A lean RFB 3.8 client: Raw pixels into a bytearray, no decoding."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(30)
        for _ in range(100):
            try:
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.recv(12)
        self.s.sendall(b"RFB 003.008\n")
        n = self.recv(1)[0]
        types = self.recv(n)
        if 1 not in types:
            raise RuntimeError("server wants authentication")
        self.s.sendall(b"\1")
        if struct.unpack(">I", self.recv(4))[0]:
            raise RuntimeError("security handshake failed")
        self.s.sendall(b"\1")
        self.w, self.h = struct.unpack(">HH", self.recv(4))
        self.recv(16)
        self.recv(struct.unpack(">I", self.recv(4))[0])
        pf = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
        self.s.sendall(b"\0\0\0\0" + pf)
        self.s.sendall(struct.pack(">BxHii", 2, 2, 0, -223))     # Raw, DesktopSize
        self.fb = bytearray(self.w * self.h * 4)

    def recv(self, n):
        out = bytearray()
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                raise RuntimeError("server closed the connection")
            out += chunk
        return bytes(out)

    def request(self, incremental=True):
        self.s.sendall(struct.pack(">BBHHHH", 3, int(incremental), 0, 0, self.w, self.h))

    def key(self, sym):
        for down in (1, 0):
            self.s.sendall(struct.pack(">BBxxI", 4, down, sym))

    def read_message(self):
        """One server message; pixels land in fb."""
        kind = self.recv(1)[0]
        if kind == 1:
            self.recv(3)
            self.recv(6 * struct.unpack(">H", self.recv(2))[0])
        elif kind == 3:
            self.recv(3)
            self.recv(struct.unpack(">I", self.recv(4))[0])
        elif kind == 0:
            self.recv(1)
            for _ in range(struct.unpack(">H", self.recv(2))[0]):
                self.rect(*struct.unpack(">HHHHi", self.recv(12)))
        elif kind != 2:
            raise RuntimeError(f"unknown server message {kind}")

    def rect(self, x, y, w, h, enc):
        if enc == -223:
            self.w, self.h = w, h
            self.fb = bytearray(w * h * 4)
            return
        if enc != 0:
            raise RuntimeError(f"unexpected encoding {enc}")
        data = self.recv(w * h * 4)
        for j in range(h):
            at = ((y + j) * self.w + x) * 4
            self.fb[at:at + w * 4] = data[j * w * 4:(j + 1) * w * 4]

    def uniform(self):
        first = bytes(self.fb[:4])
        return first if self.fb == first * (self.w * self.h) else None


def viewer(c, stop):
    """What a viewer does: always one incremental request outstanding."""
    try:
        c.request(False)
        while not stop.is_set():
            c.read_message()
            c.request(True)
    except (OSError, RuntimeError):
        pass


def idle_cpu(engine, disk, tmp, display):
    sock = os.path.join(tmp, f"{engine}.vnc")
    extra = ["-display", "none", "-vnc", "unix:" + sock] if display != "sdl" else \
        ["-display", "sdl"]
    vm = Vm(engine, disk, extra)
    try:
        if not vm.wait_ready():
            return None
        stop = threading.Event()
        if display != "sdl":
            c = Rfb(sock)
            threading.Thread(target=viewer, args=(c, stop), daemon=True).start()
        time.sleep(2)                       # past the first full frame
        start, woke = vm.cpu_seconds(), vm.switches()
        time.sleep(IDLE_SECS)
        used = vm.cpu_seconds() - start
        woke = vm.switches() - woke
        stop.set()
        return used / IDLE_SECS * 100, woke / IDLE_SECS
    finally:
        vm.close()


def latency(engine, disk, tmp):
    sock = os.path.join(tmp, f"{engine}-lat.vnc")
    vm = Vm(engine, disk, ["-display", "none", "-vnc", "unix:" + sock])
    times = []
    try:
        if not vm.wait_ready():
            return None
        c = Rfb(sock)
        c.request(False)
        end = time.time() + 30
        while time.time() < end and c.uniform() is None:
            c.read_message()
            c.request(True)
        for _ in range(LATENCY_N):
            before = c.uniform()
            t0 = time.monotonic()
            c.key(0x61)
            while True:
                c.read_message()
                now = c.uniform()
                if now is not None and now != before:
                    break
                c.request(True)
            times.append((time.monotonic() - t0) * 1000)
            c.request(True)
            time.sleep(0.2)
        return times
    finally:
        vm.close()


def xvfb():
    if not shutil.which("Xvfb"):
        return None, None
    rfd, wfd = os.pipe()
    x = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-screen", "0", "1024x768x24",
                          "-nolisten", "tcp"], pass_fds=(wfd,),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(wfd)
    with os.fdopen(rfd) as f:
        number = f.readline().strip()
    return (x, ":" + number) if number else (x, None)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def show(name, figures, unit, fmt):
    k, q = figures["kemu"], figures["qemu"]
    ks = fmt.format(k) if k is not None else "failed"
    qs = fmt.format(q) if q is not None else "failed"
    ratio = f"  kemu/qemu {k / q:.2f}x" if k is not None and q and q > 0 else ""
    print(f"  {name:<10} kemu {ks} {unit}   qemu {qs} {unit}{ratio}", flush=True)


def main():
    if not shutil.which("qemu-system-x86_64"):
        print("display bench skipped: qemu-system-x86_64 is not installed")
        return 1
    print(f"== displays: mode 13h guest, -accel {accel()}, medians of {RUNS} runs", flush=True)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        disk, lfb = os.path.join(tmp, "toggle.img"), os.path.join(tmp, "lfb.img")
        for path, sector in ((disk, SECTOR), (lfb, LFB_SECTOR)):
            with open(path, "wb") as f:
                f.write(sector + bytes(510 - len(sector)) + b"\x55\xaa" + bytes(512 * 2047))
        for display in ("vnc", "sdl", "lfb"):
            x, dpy = xvfb() if display == "sdl" else (None, None)
            if display == "sdl" and not dpy:
                print("  idle-sdl   skipped: no Xvfb")
                continue
            old = os.environ.get("DISPLAY")
            if dpy:
                os.environ["DISPLAY"] = dpy
            try:
                img = lfb if display == "lfb" else disk
                runs = {e: [idle_cpu(e, img, tmp, display) for _ in range(RUNS)]
                        for e in ("kemu", "qemu")}
                fig = {e: median([r[0] for r in v if r]) for e, v in runs.items()}
                woke = {e: median([r[1] for r in v if r]) for e, v in runs.items()}
            finally:
                if x:
                    x.kill()
                    x.wait()
                if old is None:
                    os.environ.pop("DISPLAY", None)
                else:
                    os.environ["DISPLAY"] = old
            show(f"idle-{display}", fig, "% of a CPU", "{:.2f}")
            show("  wakeups", woke, "/s", "{:.0f}")
            failed |= None in fig.values()
        lat = {e: [] for e in ("kemu", "qemu")}
        for _ in range(RUNS):
            for e in lat:
                lat[e] += latency(e, disk, tmp) or []
        fig = {e: median(v) for e, v in lat.items()}
        show("latency", fig, "ms", "{:.1f}")
        for e, v in lat.items():
            if v:
                print(f"    {e}: worst {max(v):.1f} ms, best {min(v):.1f} ms of {len(v)}")
        failed |= None in fig.values()
    return failed


if __name__ == "__main__":
    sys.exit(main())
