#!/usr/bin/env python3
"""make bench, TCG part: Debian's kernel with -smp 2 and the benchmark
initramfs (tests/bench/assets.sh) under kemu's TCG and QEMU's TCG, timed by
kemu-compare, for three workloads:

  boot      to the shell (the figure is the time to KEMU-GUEST-READY,
            printed by /init just before it starts the shell), then
            `poweroff -f` typed at once: no wait for a prompt is timed;
  memwork   hash-table probes and insertion sorts (tests/bench/memwork.c),
  cpuwork   integer hashing, qsort and floating point (cpuwork.c),
            both run by /init itself, which then powers off; their figure
            is the seconds the guest measured, also against the same
            program run natively on the host.

Medians of BENCH_RUNS runs (default 3), as ratios to QEMU TCG, with the
host CPU time and peak RSS of each emulator.  Each workload's checksum must
be the same under every engine as natively: a differing one is reported as
wrong.  Environment: BENCH_ENGINES (kemu-compare's --engines, default
kemu-native,qemu-tcg and both KVMs, which kemu-compare skips with the
reason where KVM has no hardware assistance; add kemu-interp for the
interpreter, several times slower), BENCH_WORKLOADS
(default "boot memwork cpuwork"), CPUWORK_ROUNDS (20), MEMWORK_ROUNDS (2),
BENCH_TIMEOUT (seconds per run, 600), BENCH_OUT (where the charts and
logs go, default bench-out).  The charts are BENCH_OUT/WORKLOAD.svg."""
import csv
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.chdir(ROOT)
RUNS = os.environ.get("BENCH_RUNS", "3")
ENGINES = os.environ.get("BENCH_ENGINES", "kemu-native,kemu-kvm,qemu-tcg,qemu-kvm")
WORKLOADS = os.environ.get("BENCH_WORKLOADS", "boot memwork cpuwork").split()
ROUNDS = {"cpuwork": os.environ.get("CPUWORK_ROUNDS", "20"),
          "memwork": os.environ.get("MEMWORK_ROUNDS", "2")}
OUT = os.environ.get("BENCH_OUT", "bench-out")
READY = "^KEMU-GUEST-READY"
SUM = re.compile(r"^(\w+): \d+ rounds checksum ([0-9a-f]+) in ([0-9.]+) s", re.M)


def assets():
    r = subprocess.run(["sh", "tests/bench/assets.sh"], capture_output=True, text=True)
    if r.returncode:
        return None, None, (r.stderr.strip().splitlines() or ["assets.sh failed"])[-1]
    kernel_dir, bench_dir = r.stdout.split()[-2:]
    return kernel_dir, bench_dir, None


def native(bench_dir, work):
    """The workload's median seconds and its checksum, run on the host."""
    times, sums = [], set()
    for _ in range(max(int(RUNS), 5)):
        out = subprocess.run([os.path.join(bench_dir, work), ROUNDS[work]],
                             capture_output=True, text=True).stdout
        m = SUM.search(out)
        times.append(float(m.group(3)))
        sums.add(m.group(2))
    return statistics.median(times), sums.pop()


def compare_args(work, logs):
    args = ["./kemu-compare", "-e", ENGINES, "-n", RUNS, "-r", READY, "--expect-exit", "0",
            "-t", os.environ.get("BENCH_TIMEOUT", "600"), "-l", logs,
            "-o", os.path.join(OUT, f"{work}.svg"), "--csv", os.path.join(OUT, f"{work}.csv")]
    if work == "boot":
        return args + ["-s", "poweroff -f\n"]
    return args + ["-w", rf"^{work}: [0-9]+ rounds checksum [0-9a-f]+ in ([0-9.]+) s"]


def guest_args(kernel_dir, bench_dir, work):
    append = "console=ttyS0 quiet"
    if work != "boot":
        append += f" bench={work} bench_arg={ROUNDS[work]}"
    return ["-m", "512", "-smp", "2", "-nographic", "-kernel",
            os.path.join(kernel_dir, "vmlinuz"), "-initrd",
            os.path.join(bench_dir, "initramfs.gz"), "-append", append]


def checksums(logs, work, want):
    """Every run's checksum from the logs: the engines that got another."""
    wrong = []
    for name in sorted(os.listdir(logs)):
        with open(os.path.join(logs, name), errors="replace") as f:
            m = SUM.search(f.read().replace("\r", ""))
        if m and m.group(2) != want:
            wrong.append(f"{name}: checksum {m.group(2)}, natively {want}")
    return wrong


def against_native(table, nat):
    with open(table, newline="") as f:
        for row in csv.DictReader(f):
            if row["status"] != "skipped" and row["work_s"]:
                print(f"  {row['engine']:<12} workload {float(row['work_s']):.3f}s = "
                      f"{float(row['work_s']) / nat:.1f}x native ({nat:.3f}s)")


def one_workload(kernel_dir, bench_dir, work):
    title = {"boot": "Linux -smp 2: boot to the shell (ready line), then poweroff",
             "memwork": f"memwork {ROUNDS['memwork']} (hash table, insertion sorts)",
             "cpuwork": f"cpuwork {ROUNDS['cpuwork']} (hashing, qsort, floating point)"}[work]
    print(f"== {title}", flush=True)
    logs = os.path.join(OUT, f"{work}-logs")
    os.makedirs(logs, exist_ok=True)
    for old in os.listdir(logs):
        os.unlink(os.path.join(logs, old))
    nat = native(bench_dir, work) if work != "boot" else None
    r = subprocess.run(compare_args(work, logs) + ["--"] +
                       guest_args(kernel_dir, bench_dir, work),
                       stdout=subprocess.PIPE, text=True)
    print(r.stdout, end="", flush=True)
    if nat:
        against_native(os.path.join(OUT, f"{work}.csv"), nat[0])
        for w in checksums(logs, work, nat[1]):
            print(f"  WRONG result: {w}")
    return r.returncode


def main():
    kernel_dir, bench_dir, err = assets()
    if err:
        print(f"TCG bench skipped: {err}")
        return 1
    os.makedirs(OUT, exist_ok=True)
    failed = 0
    for work in WORKLOADS:
        failed |= one_workload(kernel_dir, bench_dir, work) != 0
    print(f"charts: {', '.join(os.path.join(OUT, w + '.svg') for w in WORKLOADS)}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
