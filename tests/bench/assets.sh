#!/bin/sh
# The benchmark's guest: Debian's kernel (tests/fetch-assets.sh) and an
# initramfs of its own holding busybox and two static workloads of ours,
# cpuwork.c and memwork.c, built for the host too (the native figures).
# Its /init prints KEMU-GUEST-READY, then runs the workload the kernel
# command line names (bench=cpuwork bench_arg=20, and bench_procs=N for N
# processes at once; the kernel hands unknown
# parameters to init as variables) and powers off, or starts a shell.
# Kept in the cache as bench-KEY/ where KEY is a hash of everything it is
# made of: built once per version and never rewritten, so trees of other
# versions sharing the cache do not rebuild it under each other.
# Prints two lines: the kernel's folder and this folder.
set -e
here=$(cd "$(dirname "$0")" && pwd)
assets=$(sh "$here/../fetch-assets.sh")
bb=/bin/busybox
[ -x "$bb" ] || { echo "bench: $bb missing (Debian package busybox-static)" >&2; exit 1; }
key=$(cat "$here/assets.sh" "$here/cpuwork.c" "$here/memwork.c" "$bb" | sha256sum | cut -c1-12)
out=$assets/bench-$key
if [ ! -s "$out/initramfs.gz" ]; then
    tmp=$(mktemp -d "$assets/bench-tmp.XXXXXX")
    chmod 755 "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    for w in cpuwork memwork; do
        ${CC:-cc} -O2 -static -o "$tmp/$w" "$here/$w.c" || {
            echo "bench: cannot build a static $w (Debian package libc6-dev)" >&2; exit 1; }
    done
    ir=$tmp/ir
    mkdir -p "$ir/bin" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/tmp"
    cp "$bb" "$ir/bin/busybox"
    cp "$tmp/cpuwork" "$tmp/memwork" "$ir/bin/"
    for a in sh mount echo cat poweroff sync; do
        ln -s busybox "$ir/bin/$a"
    done
    cat > "$ir/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "KEMU-GUEST-READY"
if [ -n "$bench" ]; then
    "/bin/$bench" $bench_arg $bench_procs
    poweroff -f
fi
exec /bin/sh
INIT
    chmod +x "$ir/init"
    (cd "$ir" && find . | cpio -o -H newc --quiet | gzip -9) > "$tmp/initramfs.gz"
    rm -rf "$ir"
    # A tree that built the same folder meanwhile wins; ours is dropped.
    mv -T "$tmp" "$out" 2>/dev/null || true
fi
echo "$assets"
echo "$out"
