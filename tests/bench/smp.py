#!/usr/bin/env python3
"""make bench, SMP part (issue 12's aims): Debian's kernel and the benchmark
initramfs (tests/bench/assets.sh) under kemu's TCG and QEMU's, both one host
thread per vCPU (thread=multi, the default of both for SMP guests on x86
hosts), timed by kemu-compare in the same run.  Three parts:

  pair   a -smp 2 guest runs cpuwork alone, then another boot of it runs
         two cpuwork processes at once: the guest's time two/one per
         engine (aim: kemu <= 1.15; 2.0 is no parallelism at all);
  smp4   a -smp 4 guest runs four cpuwork processes at once, on however
         many host cores there are: kemu against QEMU (aim: no slower);
  boot   time to the ready line with -smp 2 against -smp 1, per engine
         (aim: no slower).

The workload figures are the guest's own (cpuwork's parent process times
its children from start to the last one's end); the host CPU time (user +
system, whole run, boot included) of each emulator comes with them.  A
child's checksum that differs from the host's is reported as wrong.
Medians of BENCH_RUNS runs (default 3).  Environment: SMP_PARTS (default
"pair smp4 boot"), SMP_ROUNDS (cpuwork rounds per process, 200),
BENCH_ENGINES (default kemu-native,qemu-tcg), BENCH_TIMEOUT (seconds per
run, 600), BENCH_OUT (default bench-out: smp-PART-N.svg/.csv, logs)."""
import csv
import os
import re
import subprocess
import sys

import tcg

RUNS = os.environ.get("BENCH_RUNS", "3")
ENGINES = os.environ.get("BENCH_ENGINES", "kemu-native,qemu-tcg")
PARTS = os.environ.get("SMP_PARTS", "pair smp4 boot").split()
ROUNDS = os.environ.get("SMP_ROUNDS", "200")
OUT = os.environ.get("BENCH_OUT", "bench-out")
CHILD = re.compile(r"^cpuwork: \d+ rounds checksum ([0-9a-f]+) in", re.M)


def native_checksum(bench_dir):
    out = subprocess.run([os.path.join(bench_dir, "cpuwork"), ROUNDS],
                         capture_output=True, text=True).stdout
    return CHILD.search(out).group(1)


def guest_args(kernel_dir, bench_dir, smp, procs):
    append = "console=ttyS0 quiet"
    if procs:
        append += f" bench=cpuwork bench_arg={ROUNDS} bench_procs={procs}"
    return ["-m", "512", "-smp", str(smp), "-nographic", "-kernel",
            os.path.join(kernel_dir, "vmlinuz"), "-initrd",
            os.path.join(bench_dir, "initramfs.gz"), "-append", append]


def wrong_children(logs, procs, want):
    """Runs whose children's checksums differ from the host's, or are missing."""
    wrong = []
    for name in sorted(os.listdir(logs)):
        with open(os.path.join(logs, name), errors="replace") as f:
            got = CHILD.findall(f.read().replace("\r", ""))
        if got and (len(got) != procs or set(got) != {want}):
            wrong.append(f"{name}: checksums {sorted(set(got))} of {len(got)} processes, "
                         f"natively {want}")
    return wrong


def measure(assets, title, tag, smp, procs, want):
    """One kemu-compare run: {engine: its CSV row} of the engines that ran."""
    print(f"== SMP: {title}", flush=True)
    logs = os.path.join(OUT, f"smp-{tag}-logs")
    os.makedirs(logs, exist_ok=True)
    for old in os.listdir(logs):
        os.unlink(os.path.join(logs, old))
    table = os.path.join(OUT, f"smp-{tag}.csv")
    args = ["./kemu-compare", "-e", ENGINES, "-n", RUNS, "-r", tcg.READY,
            "--expect-exit", "0", "-t", os.environ.get("BENCH_TIMEOUT", "600"),
            "-l", logs, "-o", os.path.join(OUT, f"smp-{tag}.svg"), "--csv", table]
    if procs:
        args += ["-w", rf"^cpuwork: {procs} procs x [0-9]+ rounds in ([0-9.]+) s"]
    else:
        args += ["-s", "poweroff -f\n"]
    r = subprocess.run(args + ["--"] + guest_args(*assets, smp, procs),
                       stdout=subprocess.PIPE, text=True)
    print(r.stdout, end="", flush=True)
    if procs:
        for w in wrong_children(logs, procs, want):
            print(f"  WRONG result: {w}")
    with open(table, newline="") as f:
        rows = {row["engine"]: row for row in csv.DictReader(f) if row["status"] == "ok"}
    return rows, r.returncode


def ratio_line(label, a, b, key, aim):
    """'label: a/b' for every engine that has both figures."""
    for engine in sorted(set(a) & set(b)):
        x, y = a[engine].get(key), b[engine].get(key)
        if x and y and float(y) > 0:
            cpu = f"; host CPU {float(a[engine]['cpu_s']):.1f}s / {float(b[engine]['cpu_s']):.1f}s"
            print(f"  {engine:<12} {label} {float(x):.3f}s / {float(y):.3f}s = "
                  f"{float(x) / float(y):.2f}{cpu}  (aim {aim})")


def work_cpu(label, runs, boot):
    """The workload's own host CPU: the run's minus a boot alone (same -smp)."""
    for engine in sorted(set(runs) & set(boot)):
        cpu = [float(runs[engine][0]["cpu_s"]) - float(boot[engine]["cpu_s"]),
               float(runs[engine][1]["cpu_s"]) - float(boot[engine]["cpu_s"])]
        print(f"  {engine:<12} {label} host CPU of the work alone (run minus boot): "
              f"{cpu[0]:.1f}s / {cpu[1]:.1f}s = {cpu[0] / max(cpu[1], 0.01):.2f} "
              f"(2.00: the second process costs what the first did)")


def kemu_vs_qemu(label, rows, key):
    k, q = rows.get("kemu-native"), rows.get("qemu-tcg")
    if k and q and k.get(key) and q.get(key):
        print(f"  {label}: kemu {float(k[key]):.3f}s, QEMU {float(q[key]):.3f}s = "
              f"{float(k[key]) / float(q[key]):.2f}x QEMU; host CPU kemu "
              f"{float(k['cpu_s']):.1f}s, QEMU {float(q['cpu_s']):.1f}s  (aim <= 1.00)")


def main():
    kernel_dir, bench_dir, err = tcg.assets()
    if err:
        print(f"SMP bench skipped: {err}")
        return 1
    os.makedirs(OUT, exist_ok=True)
    assets, want = (kernel_dir, bench_dir), native_checksum(bench_dir)
    failed, summary = 0, []
    if "pair" in PARTS:
        one, f1 = measure(assets, f"-smp 2, one cpuwork {ROUNDS} alone", "pair-1", 2, 1, want)
        two, f2 = measure(assets, f"-smp 2, two cpuwork {ROUNDS} at once", "pair-2", 2, 2, want)
        failed |= f1 | f2
        summary.append(lambda: ratio_line("two/one", two, one, "work_s", "<= 1.15"))
    if "smp4" in PARTS:
        four, f4 = measure(assets, f"-smp 4, four cpuwork {ROUNDS} at once", "smp4", 4, 4, want)
        failed |= f4
        summary.append(lambda: kemu_vs_qemu("-smp 4, four processes", four, "work_s"))
    if "boot" in PARTS:
        b1, g1 = measure(assets, "boot -smp 1 to the ready line", "boot-1", 1, 0, want)
        b2, g2 = measure(assets, "boot -smp 2 to the ready line", "boot-2", 2, 0, want)
        failed |= g1 | g2
        summary.append(lambda: ratio_line("boot smp2/smp1", b2, b1, "ready_s", "<= 1.00"))
        if "pair" in PARTS:
            both = {e: (two[e], one[e]) for e in set(one) & set(two)}
            summary.append(lambda: work_cpu("two/one", both, b2))
    print(f"== SMP summary ({os.cpu_count()} host CPUs, load average "
          f"{os.getloadavg()[0]:.1f})")
    for line in summary:
        line()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
