#!/bin/sh
# Build the device fuzzer (tests/fuzz/fuzz-device.c) with clang/libFuzzer
# and run each profile for a bounded time.
# Usage: tests/fuzz/run-dev.sh [SECONDS per profile] [PROFILE...]
# (default 60 s; all profiles).  A finding is saved as
# tests/fuzz/crash-* (or leak-*, timeout-*); replay it with
# FUZZ_PROFILE=name ./fuzz-device FILE from the build directory printed.
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-60}
[ $# -gt 0 ] && shift
profiles=${*:-ide ide-cd virtio-blk virtio-blk-modern floppy piix4-pm fw_cfg vga e1000 rtl8139 virtio-net virtio-net-modern uhci}
if ! command -v clang >/dev/null 2>&1; then
    echo "SKIP: fuzz-dev: clang is not installed (apt-get install clang)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/fuzz-device
# The board's core, the device folders the profiles use and the CPU-less
# test board; the devices register themselves, so all of a folder links.
srcs="tests/fuzz/fuzz-device.c tests/unit/harness.c tests/unit/memdisk.c
      $(ls hw/core/*.c hw/ide/*.c hw/virtio/*.c hw/floppy/*.c hw/dma/*.c hw/usb/*.c)
      $(ls hw/net/e1000*.c hw/net/rtl8139*.c) hw/net/eeprom93.c hw/pc/i440fx.c
      hw/pc/piix4-pm.c hw/pc/fw_cfg.c hw/display/vga.c hw/display/vga-render.c
      hw/display/vga-dirty.c hw/display/vga-blink.c"
clang -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -o "$out" $srcs -lpthread -lm || exit 1
# One profile: its verdict line (and, on a finding, the report) on stdout.
run_profile() {
    log=$work/log-$1
    python3 tests/fuzz/dev-seeds.py "$1" "$work/corpus-$1" || { echo "FAIL: fuzz-dev/$1: no seeds"; return; }
    FUZZ_PROFILE=$1 "$out" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="tests/fuzz/$1-" \
        "$work/corpus-$1" > "$log" 2>&1
    if [ $? -eq 0 ]; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "PASS: fuzz-dev/$1: ${secs}s, ${runs:-?} inputs"
    else
        grep -A 30 -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error' "$log" |
            head -n 40
        tail -n 5 "$log"
        echo "FAIL: fuzz-dev/$1: the fuzzer found a problem (input saved as tests/fuzz/$1-*)"
    fi
}

# Profiles run FUZZ_JOBS at a time (default: the online CPUs), each on a
# core of its own for its whole time, so every profile gets the same
# fuzzing as when they ran one by one; reports follow the profile order.
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
running=0
for p in $profiles; do
    run_profile "$p" > "$work/result-$p" 2>&1 &
    running=$((running + 1))
    [ $running -lt "$jobs" ] || { wait; running=0; }
done
wait
status=0
for p in $profiles; do
    cat "$work/result-$p"
    grep -q '^PASS: ' "$work/result-$p" || status=1
done
exit $status
