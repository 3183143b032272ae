#!/bin/sh
# Install the Debian packages kemu and its tests need: as root with apt-get,
# otherwise print the exact command.  Quiet when everything is present.
pkgs="gcc make binutils pkg-config python3 libcapstone-dev libelf-dev zlib1g-dev
libsdl2-dev libslirp-dev libncurses-dev qemu-system-x86 qemu-utils seabios
busybox-static cpio gzip clang libc6-dev gdb libzstd-dev grub-pc-bin grub-common
nettle-dev libnbd-dev xorriso mtools tmux xvfb xdotool imagemagick python3-cryptography
openbox console-setup-linux iproute2 ipxe-qemu"
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y$missing"
if [ "$(id -u)" = 0 ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq $missing >/dev/null || { echo "deps: '$cmd' failed" >&2; exit 1; }
else
    echo "deps: missing packages; run as root:  $cmd" >&2
    exit 1
fi
