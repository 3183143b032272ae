#!/bin/sh
# make demo: boot Debian's Linux with a busybox shell on this terminal,
# with the best accelerator this host has: KVM where the CPU has VT-x/AMD-V,
# kemu's own translator otherwise.
cd "$(dirname "$0")/.." || exit 1
assets=$(sh tests/fetch-assets.sh) || exit 1
if grep -qE '\b(vmx|svm)\b' /proc/cpuinfo && [ -w /dev/kvm ]; then
    accel=kvm
else
    accel=tcg
    echo "demo: no hardware virtualization here: booting Linux on kemu's own translator (-accel tcg)"
fi
echo "demo: Ctrl-a x quits, Ctrl-a c switches to the monitor; try /bin/cpuwork"
exec ./kemu -accel $accel -m 512 -smp 2 -nographic -kernel "$assets/vmlinuz" \
    -initrd "$assets/initramfs.gz" -append "console=ttyS0"
