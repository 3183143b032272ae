#!/usr/bin/env python3
"""make bench, network part: a guest TCP download of 64 MiB from the host
over user networking, per NIC model, under kemu's TCG and QEMU's TCG in
the same run, as ratios; then the host CPU time each emulator burns while
the guest sits idle at its shell with the network up.

The guest is Debian's kernel with the network tests' initramfs
(tests/system/net-initramfs.py: Debian's own NIC modules, busybox).  It
takes its lease with udhcpc, then busybox wget fetches the file from an
HTTP server this script runs on 127.0.0.1 (10.0.2.2 from the guest) into
/dev/null; the figure is the server's time from the request to the last
byte handed to the socket, in MiB/s (the median of BENCH_RUNS downloads,
default 3, in one boot).  Idle: the emulator's user+system CPU seconds
(from /proc/PID/stat) over NET_IDLE seconds (default 10) with the guest at
its prompt.

Then guest to guest: two guests of the same emulator joined by a
`-netdev socket` (listen= on one, connect= on the other, no root); one
serves a NET_PAIR_MIB MiB file (default 32) from busybox httpd out of its
RAM, the other fetches it with wget into /dev/null; the figure is the
host's time from typing the command to the guest's echo after it (the
median of BENCH_RUNS fetches), in MiB/s.  Environment: BENCH_NET_MODELS (default "e1000 rtl8139
virtio"), BENCH_NET_ENGINES ("kemu qemu"; one alone for profiling), NET_MIB
(64), NET_PAIR_MIB (32; 0 leaves the pairs out, as NET_MIB=0 the downloads), QEMU (qemu-system-x86_64).  Speed is only
measured here, never asserted in a test."""
import http.server, importlib.machinery, importlib.util, os, shutil, statistics, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM = os.path.join(HERE, "..", "system")


def load(name, file):
    path = os.path.join(SYSTEM, file)
    spec = importlib.util.spec_from_loader(name, importlib.machinery.SourceFileLoader(name, path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


lb = load("linux_boot", "linux-boot.py")         # chdir()s to the tree's top
ni = load("net_initramfs", "net-initramfs.py")
ns = load("net_socket", "net-socket.test")      # its guest pair helpers
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
MODELS = os.environ.get("BENCH_NET_MODELS", "e1000 rtl8139 virtio").split()
ENGINES = os.environ.get("BENCH_NET_ENGINES", "kemu qemu").split()
MIB = int(os.environ.get("NET_MIB", "64"))
PAIR_MIB = int(os.environ.get("NET_PAIR_MIB", "32"))
IDLE = float(os.environ.get("NET_IDLE", "10"))
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
CHUNK = 1 << 20
PAYLOAD = bytes(range(256)) * (CHUNK // 256)


class Blob(http.server.BaseHTTPRequestHandler):
    """GET /blob: MIB MiB; the seconds each transfer took go to .times."""
    times = []

    def do_GET(self):
        start = time.monotonic()
        self.send_response(200)
        self.send_header("Content-Length", str(MIB * CHUNK))
        self.end_headers()
        for _ in range(MIB):
            self.wfile.write(PAYLOAD)
        self.wfile.flush()
        Blob.times.append(time.monotonic() - start)

    def log_message(self, *args):
        pass


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def step(g, cmd, pattern, timeout):
    start = len(g.buf)
    g.type(cmd)
    return g.wait_for(pattern, timeout, start)


def one(engine, model, kernel, initrd, port):
    """(median MiB/s, idle CPU seconds) or (None, why)."""
    exe = lb.KEMU if engine == "kemu" else QEMU
    g = lb.Guest([exe, "-accel", "tcg", "-m", "256", "-nographic", "-kernel", kernel,
                  "-initrd", initrd, "-append", "console=ttyS0 panic=-1",
                  "-net", f"nic,model={model}", "-net", "user"])
    try:
        if not g.wait_for(r"KEMU-GUEST-READY", 600):
            return None, "no shell: " + g.tail()
        time.sleep(1)
        if not step(g, "udhcpc -i eth0 -s /etc/udhcpc.sh -q -n -t 10; echo DHCP-$((4+4))",
                    r"^LEASE 10\.0\.2\.15", 300):
            return None, "no lease: " + g.tail()
        Blob.times.clear()
        cpu0, wall0 = cpu_seconds(g.pid), time.monotonic()
        for i in range(RUNS):
            m = step(g, f"wget -q -O /dev/null http://10.0.2.2:{port}/blob && "
                        f"echo GOT-$(({i}+100)) || echo BAD-$(({i}+100))",
                     rf"^(GOT|BAD)-{i + 100}", 1200)
            if not m or m.group(1) != "GOT" or len(Blob.times) != i + 1:
                return None, "download failed: " + g.tail()
        busy = (cpu_seconds(g.pid) - cpu0) / (time.monotonic() - wall0)
        rates = [MIB / t for t in Blob.times]
        step(g, "echo IDLE-$((3+4))", r"^IDLE-7", 30)
        time.sleep(1)
        before = cpu_seconds(g.pid)
        time.sleep(IDLE)
        idle = cpu_seconds(g.pid) - before
        g.type("poweroff -f")
        g.wait_exit(60)
        return (statistics.median(rates), idle, busy), None
    finally:
        g.kill()


def downloads(kernel, initrd, port):
    print(f"== network: guest download of {MIB} MiB over user networking (TCG), "
          f"median of {RUNS}; host CPU while idle {IDLE:.0f} s", flush=True)
    failed, rate = 0, {}
    for model in MODELS:
        res = {}
        for engine in ENGINES:
            r, why = one(engine, model, kernel, initrd, port)
            if r is None:
                print(f"  {model:<8} {engine}: FAILED: {why}")
                failed = 1
            res[engine] = r
        k, q = res.get("kemu"), res.get("qemu")
        if k:
            rate[model] = k[0]
        if k and q:
            print(f"  {model:<8} kemu {k[0]:7.1f} MiB/s  qemu {q[0]:7.1f} MiB/s  "
                  f"ratio {k[0] / q[0]:.2f}x   idle CPU {IDLE:.0f} s: kemu {k[1]:.2f} s, "
                  f"qemu {q[1]:.2f} s; CPU busy while downloading: kemu {k[2]:.2f}, qemu {q[2]:.2f}",
                  flush=True)
            continue
        for engine, r in res.items():
            if r:
                print(f"  {model:<8} {engine} {r[0]:7.1f} MiB/s  idle CPU {IDLE:.0f} s: "
                      f"{r[1]:.2f} s; CPU busy while downloading: {r[2]:.2f}", flush=True)
    if "virtio" in rate and "e1000" in rate:
        print(f"  kemu virtio-net / e1000: {rate['virtio'] / rate['e1000']:.2f}x")
    return failed


def pair(engine, model, assets, initrd):
    """Median MiB/s of guest B fetching from guest A's httpd, or (None, why)."""
    exe = lb.KEMU if engine == "kemu" else QEMU
    port = ns.free_port()
    dev = "virtio-net-pci" if model == "virtio" else model
    a = ns.guest(assets, initrd, ["-netdev", f"socket,id=s0,listen=127.0.0.1:{port}",
                                  "-device", f"{dev},netdev=s0,mac=52:54:00:00:77:01"], exe)
    time.sleep(1)                   # listening before the other connects
    b = ns.guest(assets, initrd, ["-netdev", f"socket,id=s0,connect=127.0.0.1:{port}",
                                  "-device", f"{dev},netdev=s0,mac=52:54:00:00:77:02"], exe)
    try:
        if not ns.wait_both(a, b, r"KEMU-GUEST-READY", 600):
            return None, "no shell: " + a.tail() + " / " + b.tail()
        time.sleep(1)
        for g, ip in ((a, "192.168.77.1"), (b, "192.168.77.2")):
            if not step(g, f"ip addr add {ip}/24 dev eth0; ip link set eth0 up; echo UP-$((1+1))",
                        r"^UP-2", 60):
                return None, "ip: " + g.tail()
        if not step(a, f"mkdir -p /srv && dd if=/dev/zero of=/srv/blob bs=1M count={PAIR_MIB} "
                       f"2>/dev/null && httpd -p 8080 -h /srv && echo HTTPD-$((2+5))",
                    r"^HTTPD-7", 120):
            return None, "httpd: " + a.tail()
        rates = []
        for i in range(RUNS):
            start = time.monotonic()
            m = step(b, f"wget -q -O /dev/null http://192.168.77.1:8080/blob && "
                        f"echo GOT-$(({i}+200)) || echo BAD-$(({i}+200))",
                     rf"^(GOT|BAD)-{i + 200}", 1200)
            if not m or m.group(1) != "GOT":
                return None, "fetch failed: " + b.tail()
            rates.append(PAIR_MIB / (time.monotonic() - start))
        for g in (a, b):
            g.type("poweroff -f")
            g.wait_exit(60)
        return statistics.median(rates), None
    finally:
        a.kill()
        b.kill()


def pairs(assets, initrd):
    print(f"== network: guest to guest over -netdev socket (TCG), {PAIR_MIB} MiB from "
          f"busybox httpd, median of {RUNS}", flush=True)
    failed = 0
    for model in MODELS:
        res = {}
        for engine in ENGINES:
            r, why = pair(engine, model, assets, initrd)
            if r is None:
                print(f"  {model:<8} {engine}: FAILED: {why}")
                failed = 1
            res[engine] = r
        line = "  ".join(f"{e} {r:7.1f} MiB/s" for e, r in res.items() if r)
        if res.get("kemu") and res.get("qemu"):
            line += f"  ratio {res['kemu'] / res['qemu']:.2f}x"
        if line:
            print(f"  {model:<8} {line}", flush=True)
    return failed


def main():
    if not shutil.which(QEMU):
        print(f"network bench skipped: {QEMU} is not installed")
        return 0
    assets, err = lb.assets()
    if not assets:
        print(f"network bench skipped: assets: {err}")
        return 1
    initrd, err = ni.build(assets)
    if not initrd:
        print(f"network bench skipped: {err}")
        return 1
    kernel = os.path.join(assets, "vmlinuz")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blob)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    try:
        failed = downloads(kernel, initrd, port) if MIB > 0 else 0
    finally:
        srv.shutdown()
    if PAIR_MIB > 0:
        failed |= pairs(assets, initrd)
    return failed


if __name__ == "__main__":
    sys.exit(main())
