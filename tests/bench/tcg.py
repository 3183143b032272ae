#!/usr/bin/env python3
"""make bench, TCG part: kemu -accel tcg against QEMU -accel tcg on Debian's
kernel with the busybox initramfs: time from start to the shell prompt, and
an in-guest CPU workload that times itself (/bin/cpuwork, a static program
in the initramfs), both also against the same workload run natively on the
host (and under KVM where it has hardware assistance).  Medians of
BENCH_RUNS runs (default 3), printed as ratios.  The workload's checksum
must be the same everywhere: a differing one is reported as wrong.
BENCH_KEMU names the kemu binary to time (default ./kemu)."""
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "system"))
os.chdir(os.path.join(HERE, "..", ".."))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("linux_boot", os.path.join(HERE, "..", "system",
                                                                         "linux-boot.py"))
lb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lb)

ROUNDS = os.environ.get("CPUWORK_ROUNDS", "20")
PROMPT = r"[#$] (?:\x1b\[6n)?$"
WORK = re.compile(r"^cpuwork: \d+ rounds checksum ([0-9a-f]+) in ([0-9.]+) s$", re.M)


def one_boot(argv):
    """(seconds to the shell, workload seconds, checksum) or None."""
    t0 = time.monotonic()
    g = lb.Guest(argv)
    try:
        if not g.wait_for(r"KEMU-GUEST-READY", 1200):
            print(f"  boot failed: {g.tail()}")
            return None
        # ash ends its prompt with a cursor position query (ESC [6n); a
        # pattern that missed it waited out its whole timeout, which was
        # then counted as boot time.
        if not g.wait_for(PROMPT, 60):
            print(f"  no shell prompt: {g.tail()}")
            return None
        boot = time.monotonic() - t0
        start = len(g.buf)
        g.type(f"/bin/cpuwork {ROUNDS}")
        m = g.wait_for(WORK.pattern, 1200, start)
        g.type("poweroff -f")
        g.wait_exit(60)
        if not m:
            print(f"  workload failed: {g.tail()}")
            return None
        return boot, float(m.group(2)), m.group(1)
    finally:
        g.kill()


def native(cache):
    out = subprocess.run([os.path.join(cache, "cpuwork"), ROUNDS], capture_output=True,
                         text=True).stdout
    m = WORK.search(out)
    return float(m.group(2)), m.group(1)


def med(xs):
    return statistics.median(xs) if xs else None


def main():
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    cache, err = lb.assets()
    if not cache:
        print(f"TCG bench skipped: {err[0]}")
        return 0
    args = ["-m", "512", "-smp", "2", "-nographic", "-kernel", os.path.join(cache, "vmlinuz"),
            "-initrd", os.path.join(cache, "initramfs.gz"), "-append", "console=ttyS0 quiet"]
    kemu = os.environ.get("BENCH_KEMU", "./kemu")
    setups = [("kemu tcg", [kemu, "-accel", "tcg"]),
              ("qemu tcg", ["qemu-system-x86_64", "-accel", "tcg"])]
    if lb.hw_virt() and os.access("/dev/kvm", os.W_OK):
        setups += [("kemu kvm", ["./kemu", "-accel", "kvm"]),
                   ("qemu kvm", ["qemu-system-x86_64", "-accel", "kvm"])]
    nat = [native(cache) for _ in range(max(runs, 5))]
    ref_sum = nat[0][1]
    res = {"native": (None, med([n[0] for n in nat]))}
    for name, exe in setups:
        samples = [s for s in (one_boot(exe + args) for _ in range(runs)) if s]
        for s in samples:
            if s[2] != ref_sum:
                print(f"  {name}: WRONG workload checksum {s[2]} (native {ref_sum})")
        res[name] = (med([s[0] for s in samples]), med([s[1] for s in samples]))
    print(f"Linux on TCG: median of {runs} runs (workload: cpuwork {ROUNDS})")
    print(f"  {'':<10}{'boot to shell':>15}{'workload':>12}{'x native':>10}")
    for name, (boot, work) in res.items():
        b = f"{boot:.2f}s" if boot else "-"
        w = f"{work:.3f}s" if work else "failed"
        x = f"{work / res['native'][1]:.1f}" if work and res['native'][1] else "-"
        print(f"  {name:<10}{b:>15}{w:>12}{x:>10}")
    k, q = res.get("kemu tcg"), res.get("qemu tcg")
    if k and q and k[0] and q[0] and k[1] and q[1]:
        print(f"  kemu/qemu (tcg): boot {k[0] / q[0]:.2f}, workload {k[1] / q[1]:.2f}")
    if not lb.hw_virt():
        print("  (KVM here has no hardware assistance: the KVM rows are left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
