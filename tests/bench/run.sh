#!/bin/sh
# make bench: kemu against the installed QEMU, in one run, as ratios.
# Speed is only measured here, never asserted in a test.
cd "$(dirname "$0")/../.." || exit 1
assets=$(sh tests/fetch-assets.sh) || exit 1
runs=${BENCH_RUNS:-5}
hw=no
grep -qE '\b(vmx|svm)\b' /proc/cpuinfo && [ -w /dev/kvm ] && hw=yes
has_tcg=no
./kemu -accel help 2>/dev/null | grep -qw tcg && has_tcg=yes

linux_args="-m 512 -smp 2 -nographic -kernel $assets/vmlinuz -initrd $assets/initramfs.gz -append console=ttyS0 -no-reboot"
exit_dev="-device isa-debug-exit,iobase=0xf4,iosize=4"

echo "== start-up and exit"
if [ $hw = yes ]; then
    python3 tests/bench/boot.py --runs "$runs" --label "Linux, -accel kvm" -- \
        -accel kvm $linux_args
elif [ -c /dev/kvm ] && [ -f tests/guest/rtc-pit-uart.bios.bin ]; then
    echo "(KVM here has no hardware assistance: timing a real-mode guest program of ours)"
    python3 tests/bench/boot.py --runs "$runs" --label "guest program, -accel kvm" -- \
        -accel kvm -nographic -bios tests/guest/rtc-pit-uart.bios.bin $exit_dev
else
    echo "(no KVM guest program available: skipped)"
fi
if [ $has_tcg = yes ] && [ -f tests/guest/rtc-pit-uart.bios.bin ]; then
    python3 tests/bench/boot.py --runs "$runs" --label "guest program, -accel tcg" -- \
        -accel tcg -nographic -bios tests/guest/rtc-pit-uart.bios.bin $exit_dev
fi
for extra in tests/bench/img.sh tests/bench/tcg.sh; do
    [ -f "$extra" ] && sh "$extra"
done
exit 0
