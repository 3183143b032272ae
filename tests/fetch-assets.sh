#!/bin/sh
# Fetch and cache the real software the system tests boot: Debian's
# kernel (apt-get download + dpkg-deb -x) and an initramfs built from
# busybox-static.  Cached outside git in $KEMU_ASSETS (default
# ~/.cache/kemu); nothing here is committed.  Prints the cache path.
set -e
src=$(cd "$(dirname "$0")" && pwd)/bench/cpuwork.c
dir=${KEMU_ASSETS:-${XDG_CACHE_HOME:-$HOME/.cache}/kemu}
mkdir -p "$dir"
cd "$dir"

if [ ! -s vmlinuz ]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\).*/\1/p' | head -n 1)
    [ -n "$pkg" ] || pkg=$(apt-cache search --names-only '^linux-image-[0-9.-]+-amd64$' | sort | tail -n 1 | cut -d' ' -f1)
    if [ -z "$pkg" ]; then
        echo "fetch-assets: no linux-image-*-amd64 package known to apt (run apt-get update)" >&2
        exit 1
    fi
    rm -rf kpkg && mkdir kpkg
    (cd kpkg && apt-get download "$pkg" >/dev/null 2>&1)
    dpkg-deb -x kpkg/*.deb kpkg/root
    cp kpkg/root/boot/vmlinuz-* vmlinuz.tmp && mv vmlinuz.tmp vmlinuz
    echo "$pkg" > vmlinuz.pkg
    rm -rf kpkg
fi

# cpuwork: a static in-guest CPU workload (tests and make bench).
if [ ! -x cpuwork ] || [ "$src" -nt cpuwork ]; then
    ${CC:-cc} -O2 -static -o cpuwork.tmp "$src" || {
        echo "fetch-assets: cannot build a static cpuwork (Debian package libc6-dev)" >&2; exit 1; }
    mv cpuwork.tmp cpuwork
fi

bb=/bin/busybox
[ -x "$bb" ] || { echo "fetch-assets: $bb missing (Debian package busybox-static)" >&2; exit 1; }
if [ ! -s initramfs.gz ] || [ "$bb" -nt initramfs.gz ] || [ cpuwork -nt initramfs.gz ]; then
    rm -rf ir && mkdir -p ir/bin ir/sbin ir/proc ir/sys ir/dev ir/tmp ir/etc
    cp "$bb" ir/bin/busybox
    cp cpuwork ir/bin/cpuwork
    for a in sh mount echo cat ls grep poweroff reboot nproc free uname sleep dd true \
             wc head tail mkdir rm cp sync; do
        ln -s busybox "ir/bin/$a"
    done
    cat > ir/init <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "KEMU-GUEST-READY"
exec /bin/sh
INIT
    chmod +x ir/init
    (cd ir && find . | cpio -o -H newc --quiet | gzip -9) > initramfs.gz.tmp
    mv initramfs.gz.tmp initramfs.gz
    rm -rf ir
fi
echo "$dir"
