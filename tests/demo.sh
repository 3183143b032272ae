#!/bin/sh
# make demo: boot Debian's Linux with a busybox shell on this terminal,
# with the best accelerator this host has.
cd "$(dirname "$0")/.." || exit 1
assets=$(sh tests/fetch-assets.sh) || exit 1
if grep -qE '\b(vmx|svm)\b' /proc/cpuinfo && [ -w /dev/kvm ]; then
    accel=kvm
elif ./kemu -accel help 2>/dev/null | grep -qw tcg; then
    accel=tcg
    echo "demo: no hardware virtualization here: booting Linux on kemu's own translator (-accel tcg)"
else
    echo "demo: no hardware virtualization here and the TCG engine is not built yet: running a guest program of ours under -accel kvm instead (Ctrl-a x quits)"
    exec ./kemu -accel kvm -nographic -bios tests/guest/ticker.bios.bin
fi
echo "demo: Ctrl-a x quits, Ctrl-a c switches to the monitor"
exec ./kemu -accel $accel -m 512 -smp 2 -nographic -kernel "$assets/vmlinuz" \
    -initrd "$assets/initramfs.gz" -append "console=ttyS0"
