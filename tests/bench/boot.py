#!/usr/bin/env python3
"""Start-up benchmark: run kemu and QEMU on the same guest several times and
print the medians side by side with the ratio kemu/QEMU for the time to the
guest's first serial output, the time to its exit and the peak host RSS.

usage: boot.py [--runs N] [--timeout S] -- ARGS...
ARGS are the emulator arguments shared by both; {emu} is not needed."""
import os
import statistics
import subprocess
import sys
import time


def run_once(cmd, timeout):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    first = None
    os.set_blocking(p.stdout.fileno(), True)
    while True:
        if time.monotonic() - start > timeout:
            p.kill()
            break
        b = p.stdout.read(1)
        if not b:
            break
        if first is None:
            first = time.monotonic() - start
    _, status, ru = os.wait4(p.pid, 0)
    end = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    return first, end, ru.ru_maxrss / 1024.0, p.returncode


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main():
    argv = sys.argv[1:]
    runs, timeout, label = 5, 60.0, "guest"
    while argv and argv[0] != "--":
        opt = argv.pop(0)
        if opt == "--runs":
            runs = int(argv.pop(0))
        elif opt == "--timeout":
            timeout = float(argv.pop(0))
        elif opt == "--label":
            label = argv.pop(0)
    args = argv[1:]
    emus = {"kemu": ["./kemu"], "qemu": ["qemu-system-x86_64"]}
    res = {}
    for name, exe in emus.items():
        samples = [run_once(exe + args, timeout) for _ in range(runs)]
        res[name] = samples
        codes = {s[3] for s in samples}
        if len(codes) != 1:
            print(f"  note: {name} exit codes varied: {sorted(codes)}")
    print(f"{label}: median of {runs} runs")
    print(f"  {'metric':<24}{'kemu':>12}{'qemu':>12}{'kemu/qemu':>12}")
    for i, metric, unit in ((0, "first output", "s"), (1, "exit", "s"), (2, "peak RSS", "MiB")):
        k = median([s[i] for s in res["kemu"]])
        q = median([s[i] for s in res["qemu"]])
        ratio = f"{k / q:.2f}" if k is not None and q else "n/a"
        fk = f"{k:.3f}{unit}" if k is not None else "none"
        fq = f"{q:.3f}{unit}" if q is not None else "none"
        print(f"  {metric:<24}{fk:>12}{fq:>12}{ratio:>12}")


if __name__ == "__main__":
    main()
