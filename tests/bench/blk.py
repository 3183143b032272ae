#!/usr/bin/env python3
"""make bench, block part: guest sequential write then read with O_DIRECT
(busybox dd, bs=1M, BENCH_BLK_PASSES passes of 64 MiB each, default 8) on a
raw disk, through virtio-blk and through IDE (ata_piix, bus-master DMA),
kemu against QEMU on the same command line and image, Debian's kernel
booted directly with the test initramfs plus Debian's own block modules.

The engines run interleaved (kemu, QEMU, kemu, QEMU, ... BENCH_RUNS
rounds, default 5), one at a time, so a change in the host's load hits
both alike.  Each phase is timed by this script: the guest waits on its
console before and after each phase and this script samples, at those
points, its clock and the emulator's CPU time (every thread's, in ns,
from /proc/PID/task/*/schedstat).  Per engine it prints the median MiB/s
with the spread [min-max], and the host CPU milliseconds per MiB, which
the host's load barely changes, so a noisy run still says something.
Ratios are kemu/QEMU of the medians (higher is better for MiB/s; aims:
virtio-blk at least 1.0, IDE at least 0.8).

Same conditions for both: the image is rewritten in full (not sparse) and
synced before every run, so the host's page cache holds all of it, clean,
for either engine; BENCH_BLK_CACHE (default writeback) is the -drive
cache= mode of both (none: the host's O_DIRECT, needs a file system that
has it).  The guest's dd must really bypass its page cache: each phase
must move at least its bytes through the device (from the disk's
/sys/block stat), else the run fails.  Also printed per phase: the
requests' mean size, the device's interrupts per request (from
/proc/interrupts) and the guest's queue limits.

BENCH_ENGINES as in tcg.py (default kemu-native,qemu-tcg), KEMU the kemu binary
(default ./kemu); engine kemu-base runs KEMU_BASE (another build, e.g. the
main branch's) like kemu-native, interleaved with the others for an A/B; BENCH_BLK_DEVICES
(default "virtio-blk IDE"); logs in BENCH_OUT (default bench-out)."""
import glob
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "linux_boot", os.path.join(HERE, "..", "system", "linux-boot.py"))
lb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lb)          # chdir()s to the tree's top
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
ENGINES = os.environ.get("BENCH_ENGINES", "kemu-native,qemu-tcg").split(",")
OUT = os.environ.get("BENCH_OUT", "bench-out")
DEVICES = os.environ.get("BENCH_BLK_DEVICES", "virtio-blk IDE").split()
PASSES = int(os.environ.get("BENCH_BLK_PASSES", "8"))
CACHE = os.environ.get("BENCH_BLK_CACHE", "writeback")
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "600"))
MODULES = ["virtio_pci", "virtio_blk", "ata_piix", "sd_mod"]
MIB = 64
ENGINE_ARGV = {
    "kemu-native": [lb.KEMU, "-accel", "tcg,backend=native"],
    "kemu-interp": [lb.KEMU, "-accel", "tcg,backend=interp"],
    "kemu-kvm": [lb.KEMU, "-accel", "kvm"],
    "kemu-base": [os.environ.get("KEMU_BASE", lb.KEMU), "-accel", "tcg,backend=native"],
    "qemu-tcg": [os.environ.get("QEMU", "qemu-system-x86_64"), "-accel", "tcg"],
    "qemu-kvm": [os.environ.get("QEMU", "qemu-system-x86_64"), "-accel", "kvm"],
}

# Loads the modules, waits for the disk, then before and after each phase
# prints a mark (the disk's stat, the interrupts of its IRQ) and waits for
# a line on the console: the host samples its clock and the emulator's
# CPU time there.  $2: the interrupt's name in /proc/interrupts.
SCRIPT = r"""#!/bin/sh
for m in $(cat /lib/kemu-mods/order); do busybox insmod /lib/kemu-mods/$m; done
n=0
while [ ! -b /dev/$1 ] && [ $n -lt 300 ]; do busybox sleep 1; n=$((n+1)); done
echo "blk-queue: max_segments $(busybox cat /sys/block/$1/queue/max_segments) max_sectors_kb $(busybox cat /sys/block/$1/queue/max_sectors_kb)"
mark() {
    irq=$(busybox awk -v d="$2" '$0 ~ d { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; t += s } END { print t + 0 }' /proc/interrupts)
    echo "blk-mark: $1 $(busybox cat /sys/block/$3/stat) irq $irq"
    read -r _
}
passes() {
    i=0
    while [ $i -lt %(passes)d ]; do busybox dd "$@" bs=1M count=%(mib)d 2>/dev/null || echo "blk-error: dd $*"; i=$((i+1)); done
}
mark start "$2" $1
passes if=/dev/zero of=/dev/$1 oflag=direct
mark written "$2" $1
passes if=/dev/$1 of=/dev/null iflag=direct
mark read "$2" $1
busybox poweroff -f
""" % {"mib": MIB, "passes": PASSES}


def initramfs(assets, tmp):
    """The test initramfs with the modules and /bin/blkbench appended."""
    mods, why = lb.module_files(assets, MODULES)
    if not mods:
        return None, why
    root = os.path.join(tmp, "add")
    os.makedirs(os.path.join(root, "lib/kemu-mods"))
    os.makedirs(os.path.join(root, "bin"))
    for m in mods:
        shutil.copy(m, os.path.join(root, "lib/kemu-mods"))
    with open(os.path.join(root, "lib/kemu-mods/order"), "w") as f:
        f.write(" ".join(os.path.basename(m) for m in mods) + "\n")
    with open(os.path.join(root, "bin/blkbench"), "w") as f:
        f.write(SCRIPT)
    os.chmod(os.path.join(root, "bin/blkbench"), 0o755)
    out = os.path.join(tmp, "initrd.gz")
    with open(os.path.join(assets, "initramfs.gz"), "rb") as f, open(out, "wb") as o:
        o.write(f.read() + lb.cpio_gz(root))
    return out, None


def cpu_ns(pid):
    """CPU time of every thread of pid so far, in ns (schedstat's first field)."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass            # a thread that just exited
    return total


def fresh_image(path):
    """The whole image written and synced: the host's page cache holds it,
    clean, the same way before every run of every engine."""
    chunk = b"\0" * (1 << 20)
    with open(path, "wb") as f:
        for _ in range(MIB + 16):
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())


MARK = re.compile(r"^blk-mark: (\w+) +((?:\d+ +){10}\d+).*? irq (\d+)", re.M)


def one_run(engine, drive, dev, irq, assets, initrd, disk, log):
    """{"write"/"read": (MiB/s, CPU ms per MiB, KiB per request, irqs per
    request)} of one boot, or (None, why)."""
    fresh_image(disk)
    argv = ENGINE_ARGV[engine] + [
        "-m", "256", "-nographic", "-kernel", os.path.join(assets, "vmlinuz"),
        "-initrd", initrd, "-append", "console=ttyS0 quiet",
        "-drive", f"file={disk},format=raw,cache={CACHE},{drive}"]
    g = lb.Guest(argv)
    try:
        if not g.wait_for("KEMU-GUEST-READY", TIMEOUT):
            return None, "no shell: " + g.tail()
        g.type(f"blkbench {dev} '{irq}'")
        samples, pos = [], 0
        for _ in range(3):
            m = g.wait_for(MARK.pattern, TIMEOUT, pos)
            if not m:
                return None, "no mark: " + g.tail()
            samples.append((time.monotonic(), cpu_ns(g.pid), [int(x) for x in m.group(2).split()],
                            int(m.group(3))))
            pos = m.end()
            os.write(g.fd, b"\r")
        g.wait_exit(60)
    finally:
        g.kill()
        with open(log, "w") as f:
            f.write(g.buf)
    if "blk-error:" in g.buf:
        return None, "dd failed in the guest"
    return phases(samples)


def phases(samples):
    """The write and read phases from the three marks' samples."""
    out = {}
    mib = PASSES * MIB
    # /sys/block/X/stat: reads, merged, sectors, ticks, writes, merged, sectors, ...
    for kind, (a, b), (reqs, sectors) in (("write", samples[0:2], (4, 6)),
                                          ("read", samples[1:3], (0, 2))):
        secs, cpu = b[0] - a[0], (b[1] - a[1]) / 1e6
        nreq, nsec = b[2][reqs] - a[2][reqs], b[2][sectors] - a[2][sectors]
        if nsec * 512 < mib << 20:
            return None, (f"{kind}: {nsec * 512 >> 20} MiB reached the disk for {mib} MiB "
                          "dd'd: the guest's dd did not bypass its page cache")
        out[kind] = (mib / secs, cpu / mib, nsec / 2 / max(nreq, 1),
                     (b[3] - a[3]) / max(nreq, 1))
    return out, None


def spread(values, fmt):
    return f"{fmt % statistics.median(values)} [{fmt % min(values)}-{fmt % max(values)}]"


def one_device(name, drive, dev, irq, assets, initrd, tmp):
    print(f"== {name}: {PASSES} x {MIB} MiB O_DIRECT write then read (dd bs=1M in the "
          f"guest, cache={CACHE}), {RUNS} rounds of {', '.join(ENGINES)} interleaved",
          flush=True)
    logs = os.path.join(OUT, f"blk-{dev}-logs")
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    disk = os.path.join(tmp, f"{dev}.img")
    res = {e: [] for e in ENGINES}
    failed = 0
    for run in range(1, RUNS + 1):
        for e in ENGINES:
            r, why = one_run(e, drive, dev, irq, assets, initrd, disk,
                             os.path.join(logs, f"{e}-{run}.log"))
            if not r:
                print(f"  {e} run {run}: FAILED: {why}", flush=True)
                failed = 1
                continue
            res[e].append(r)
            print(f"  {e} run {run}: " + "; ".join(
                f"{k} {v[0]:.0f} MiB/s {v[1]:.2f} ms CPU/MiB" for k, v in r.items()), flush=True)
    with open(os.path.join(logs, ENGINES[0] + "-1.log"), errors="replace") as f:
        q = re.search(r"^blk-queue: (.*)$", f.read(), re.M)
    print(f"  guest queue limits: {q.group(1) if q else '?'}")
    for kind in ("write", "read"):
        for e in ENGINES:
            v = [r[kind] for r in res[e]]
            if v:
                print(f"  {name} {kind} {e:12s} {spread([x[0] for x in v], '%.0f')} MiB/s, "
                      f"host CPU {spread([x[1] for x in v], '%.2f')} ms/MiB, "
                      f"{statistics.median(x[2] for x in v):.0f} KiB/request, "
                      f"{statistics.median(x[3] for x in v):.2f} irq/request")
        q = [r[kind] for r in res.get("qemu-tcg", [])]
        for e in ("kemu-native", "kemu-base"):
            k = [r[kind] for r in res.get(e, [])]
            if k and q:
                print(f"  {name} {kind} {e}/QEMU: speed "
                      f"{statistics.median(x[0] for x in k) / statistics.median(x[0] for x in q):.2f}, "
                      f"CPU per MiB "
                      f"{statistics.median(x[1] for x in k) / statistics.median(x[1] for x in q):.2f}"
                      f" (speed: higher is better; CPU: lower)")
    return failed


def main():
    assets, why = lb.assets()
    if not assets:
        print(f"block bench skipped: {why}")
        return 1
    for e in ENGINES:
        if e not in ENGINE_ARGV:
            print(f"block bench: unknown engine {e} ({', '.join(ENGINE_ARGV)})")
            return 1
    os.makedirs(OUT, exist_ok=True)
    print(f"host load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_BLK_DIR")) as tmp:
        initrd, why = initramfs(assets, tmp)
        if not initrd:
            print(f"block bench skipped: {why}")
            return 1
        failed = 0
        for name, drive, dev, irq in (("virtio-blk", "if=virtio", "vda", "virtio0-req|virtio0 "),
                                      ("IDE", "if=ide,index=0", "sda", "ata_piix")):
            if name in DEVICES:
                failed |= one_device(name, drive, dev, irq, assets, initrd, tmp)
    print(f"host load average at the end: {os.getloadavg()[0]:.1f}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
