#!/usr/bin/env python3
"""make bench, block part: guest sequential write then read of 64 MiB with
O_DIRECT (busybox dd, bs=1M, timed by the guest from /proc/uptime) on a
raw disk, through virtio-blk and through IDE (ata_piix, bus-master DMA),
kemu against QEMU on the same command line and image, Debian's kernel
booted directly with the test initramfs plus Debian's own block modules.
Medians of BENCH_RUNS runs (default 3) printed as MiB/s and as kemu/QEMU
ratios (higher is better).  Aims: virtio-blk at least QEMU's, IDE at least
80% of QEMU's.  BENCH_ENGINES as in tcg.py (default kemu-native,qemu-tcg);
BENCH_BLK_DEVICES (default "virtio-blk IDE"), BENCH_BLK_REPEAT (passes
averaged per figure, default 4);
logs and charts in BENCH_OUT (default bench-out).  Also printed: the
guest's queue limits and the mean request size it sent (from sysfs), since
a device advertising smaller limits gets more, smaller requests."""
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "linux_boot", os.path.join(HERE, "..", "system", "linux-boot.py"))
lb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lb)          # chdir()s to the tree's top
RUNS = os.environ.get("BENCH_RUNS", "3")
ENGINES = os.environ.get("BENCH_ENGINES", "kemu-native,qemu-tcg")
OUT = os.environ.get("BENCH_OUT", "bench-out")
DEVICES = os.environ.get("BENCH_BLK_DEVICES", "virtio-blk IDE").split()
MODULES = ["virtio_pci", "virtio_blk", "ata_piix", "sd_mod"]
MIB = 64
FIG = re.compile(r"^blk-(read|write): %d MiB in ([0-9.]+) s" % MIB, re.M)

REPEAT = int(os.environ.get("BENCH_BLK_REPEAT", "4"))

# Loads the modules, waits for the disk, writes then reads it with
# O_DIRECT REPEAT times each (/proc/uptime counts in 10 ms: one 64 MiB
# pass can take a few ticks), prints the mean time per pass, powers off.
SCRIPT = r"""#!/bin/sh
for m in $(cat /lib/kemu-mods/order); do busybox insmod /lib/kemu-mods/$m; done
n=0
while [ ! -b /dev/$1 ] && [ $n -lt 300 ]; do busybox sleep 1; n=$((n+1)); done
t() { busybox cut -d' ' -f1 /proc/uptime; }
passes() {
    i=0
    while [ $i -lt %(rep)d ]; do busybox dd "$@" bs=1M count=%(mib)d 2>/dev/null; i=$((i+1)); done
}
a=$(t)
passes if=/dev/zero of=/dev/$1 oflag=direct
b=$(t)
passes if=/dev/$1 of=/dev/null iflag=direct
c=$(t)
echo "blk-queue: max_segments $(busybox cat /sys/block/$1/queue/max_segments) max_sectors_kb $(busybox cat /sys/block/$1/queue/max_sectors_kb)"
echo "blk-stat: $(busybox cat /sys/block/$1/stat)"
echo "blk-read: %(mib)d MiB in $(busybox awk "BEGIN { print ($c - $b) / %(rep)d }") s"
echo "blk-write: %(mib)d MiB in $(busybox awk "BEGIN { print ($b - $a) / %(rep)d }") s"
busybox poweroff -f
""" % {"mib": MIB, "rep": REPEAT}


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


def figures(logs):
    """{engine: {"read": [s...], "write": [s...]}} from the runs' logs."""
    per = {}
    for name in sorted(os.listdir(logs)):
        engine = name.rsplit("-", 1)[0]
        with open(os.path.join(logs, name), errors="replace") as f:
            for kind, secs in FIG.findall(f.read().replace("\r", "")):
                per.setdefault(engine, {}).setdefault(kind, []).append(float(secs))
    return per


STAT = re.compile(r"^blk-stat: +(\d+) +\d+ +(\d+) +\d+ +(\d+) +\d+ +(\d+)", re.M)
QUEUE = re.compile(r"^blk-queue: (.*)$", re.M)


def request_sizes(logs):
    """{engine: (queue limits, KiB per read request, per write request)}: the
    guest's view of the device (its limits shape the requests it sends)."""
    out = {}
    for name in sorted(os.listdir(logs)):
        engine = name.rsplit("-", 1)[0]
        with open(os.path.join(logs, name), errors="replace") as f:
            text = f.read().replace("\r", "")
        st, q = STAT.search(text), QUEUE.search(text)
        if st and engine not in out:
            rd, rs, wr, ws = (int(x) for x in st.groups())
            out[engine] = (q.group(1) if q else "?", rs / 2 / max(rd, 1), ws / 2 / max(wr, 1))
    return out


def one_device(name, drive, dev, assets, initrd, tmp):
    print(f"== {name}: {MIB} MiB O_DIRECT write then read (dd bs=1M in the guest, "
          f"mean of {REPEAT} passes)", flush=True)
    logs = os.path.join(OUT, f"blk-{dev}-logs")
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    disk = os.path.join(tmp, f"{dev}.img")
    with open(disk, "wb") as f:
        f.truncate((MIB + 16) << 20)
    args = ["./kemu-compare", "-e", ENGINES, "-n", RUNS, "-r", "^KEMU-GUEST-READY",
            "-s", f"blkbench {dev}\n", "-w", rf"^blk-write: {MIB} MiB in ([0-9.]+) s",
            "--expect-exit", "0", "-t", os.environ.get("BENCH_TIMEOUT", "600"), "-l", logs,
            "-o", os.path.join(OUT, f"blk-{dev}.svg"), "--",
            "-m", "256", "-nographic", "-kernel", os.path.join(assets, "vmlinuz"),
            "-initrd", initrd, "-append", "console=ttyS0 quiet",
            "-drive", f"file={disk},format=raw,{drive}"]
    r = subprocess.run(args, stdout=subprocess.PIPE, text=True)
    print(r.stdout, end="", flush=True)
    per = figures(logs)
    rate = {e: {k: MIB / statistics.median(v) for k, v in kinds.items() if v}
            for e, kinds in per.items()}
    for kind in ("write", "read"):
        line = [f"{e} {rate[e][kind]:.1f} MiB/s" for e in sorted(rate) if kind in rate[e]]
        q = rate.get("qemu-tcg", {}).get(kind)
        k = rate.get("kemu-native", {}).get(kind)
        ratio = f"; kemu/QEMU = {k / q:.2f}" if k and q else ""
        print(f"  {name} {kind}: {', '.join(line) or 'no figure'}{ratio}")
    for e, (q, rk, wk) in sorted(request_sizes(logs).items()):
        print(f"  {name} {e}: {q}; {rk:.0f} KiB per read request, {wk:.0f} KiB per write")
    return r.returncode


def main():
    assets, why = lb.assets()
    if not assets:
        print(f"block bench skipped: {why}")
        return 1
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        initrd, why = initramfs(assets, tmp)
        if not initrd:
            print(f"block bench skipped: {why}")
            return 1
        failed = 0
        for name, drive, dev in (("virtio-blk", "if=virtio", "vda"),
                                 ("IDE", "if=ide,index=0", "sda")):
            if name in DEVICES:
                failed |= one_device(name, drive, dev, assets, initrd, tmp) != 0
    return failed


if __name__ == "__main__":
    sys.exit(main())
