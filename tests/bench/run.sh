#!/bin/sh
# make bench: kemu against the installed QEMU, in one run, as ratios, all
# timed by kemu-compare (medians of BENCH_RUNS runs, default 5 here):
# start-up, a guest-timed loop and exit of a small guest program of ours;
# SeaBIOS's POST to a boot loader (post.sh); then kemu-img against
# qemu-img (img.sh), the displays' idle cost and update latency
# (display.py), Linux on TCG (tcg.py), SMP guests on TCG, one host thread
# per vCPU (smp.py; SMP_PARTS picks parts), guest disk I/O through virtio-blk
# and IDE (blk.py) and a guest's download over user networking per NIC
# (net.py).
# Speed is only measured here, never asserted in a test.  The charts go
# to BENCH_OUT (default bench-out).
cd "$(dirname "$0")/../.." || exit 1
out=${BENCH_OUT:-bench-out}
mkdir -p "$out"
failed=0

echo "== start-up, a guest-timed loop and exit: tests/guest/selftime.bios.bin"
./kemu-compare -n "${BENCH_RUNS:-5}" -r '^selftime: ready' -w '^selftime: work ([0-9.]+) s' \
    --expect-exit 1 -o "$out/selftime.svg" -- \
    -nographic -bios tests/guest/selftime.bios.bin -device isa-debug-exit,iobase=0xf4,iosize=4 \
    2>/dev/null || failed=1
sh tests/bench/post.sh || failed=1
sh tests/bench/img.sh || failed=1
python3 tests/bench/display.py || failed=1
echo "== TCG: Linux boot and in-guest workloads"
python3 tests/bench/tcg.py || failed=1
python3 tests/bench/smp.py || failed=1
python3 tests/bench/blk.py || failed=1
python3 tests/bench/net.py || failed=1
exit $failed
