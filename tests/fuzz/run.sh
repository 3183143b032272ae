#!/bin/sh
# Build the qcow2 open-path fuzzer with clang/libFuzzer and run it for a
# bounded time.  Usage: tests/fuzz/run.sh [SECONDS] (default 60).
# Seeds: images made by kemu-img itself (no downloaded corpus).
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-60}
if ! command -v clang >/dev/null 2>&1; then
    echo "SKIP: fuzz-img: clang is not installed (apt-get install clang)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/fuzz-qcow2-open
# Optional libraries as configure found them (config.h says so): the
# library's source file, or its stub, and its -l flag.
has() { grep -q "CONFIG_$1 1" config.h 2>/dev/null; }
blocks=$(ls hw/block/*.c | grep -v -e '-stub\.c$' -e '/crypto-nettle\.c$' -e '/nbd\.c$' -e '/nbd-lib\.c$')
if has NETTLE; then blocks="$blocks hw/block/crypto-nettle.c"; libs=-lnettle
else blocks="$blocks hw/block/crypto-nettle-stub.c"; libs=; fi
if has NBD; then blocks="$blocks hw/block/nbd.c hw/block/nbd-lib.c"; libs="$libs -ldl"
else blocks="$blocks hw/block/nbd-stub.c"; fi
has ZSTD && libs="$libs -lzstd"
srcs="tests/fuzz/fuzz-qcow2-open.c $blocks hw/core/error.c hw/core/util.c"
clang -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -o "$out" $srcs -lz $libs -lpthread || exit 1
corpus=$work/corpus
mkdir -p "$corpus"
./kemu-img create -q -f qcow2 "$corpus/a" 64M
./kemu-img create -q -f qcow2 -o compat=0.10,cluster_size=4k "$corpus/b" 1M
./kemu-img create -q -f qcow2 -o cluster_size=512,refcount_bits=8 "$corpus/c" 1M
head -c 300000 /dev/urandom > "$corpus/data.raw"
./kemu-img convert -c -O qcow2 "$corpus/data.raw" "$corpus/d"
./kemu-img convert -O qcow2 -o cluster_size=1k "$corpus/data.raw" "$corpus/e"
./kemu-img snapshot -c s1 "$corpus/e"
# zstd compressed clusters (compression type field and incompatible bit).
if grep -q 'CONFIG_ZSTD 1' config.h 2>/dev/null; then
    ./kemu-img convert -c -O qcow2 -o compression_type=zstd,cluster_size=4k "$corpus/data.raw" \
        "$corpus/f"
    ./kemu-img snapshot -c s1 "$corpus/f"
fi
# Persistent bitmaps: a directory, tables and bit clusters; one left in use
# (its table is walked only by check) and one with the autoclear bit gone.
head -c 60000 "$corpus/data.raw" > "$corpus/small.raw"
./kemu-img convert -O qcow2 -o cluster_size=4k "$corpus/small.raw" "$corpus/g"
./kemu-img bitmap --add -g 4k "$corpus/g" b0
./kemu-img bitmap --add "$corpus/g" b1 --disable
./kemu-img convert -n -O qcow2 "$corpus/small.raw" "$corpus/g"
cp "$corpus/g" "$corpus/h"
cp "$corpus/g" "$corpus/i"
python3 - "$corpus/h" "$corpus/i" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    h = f.read(4096)
    pos = struct.unpack(">I", h[100:104])[0]
    while struct.unpack(">I", h[pos:pos + 4])[0] not in (0, 0x23852875):
        pos += 8 + ((struct.unpack(">I", h[pos + 4:pos + 8])[0] + 7) & ~7)
    d = struct.unpack(">Q", h[pos + 24:pos + 32])[0]
    f.seek(d + 12)
    f.write(struct.pack(">I", 3))     # b0 in use
with open(sys.argv[2], "r+b") as f:
    f.seek(88)
    f.write(bytes(8))                 # autoclear bits gone
PY
# External data files (an absolute name inside the scratch folder): one
# plain, one raw with preallocated tables, one named "../"; the images are
# not beside them, so the target refuses the names and then opens the one
# scratch data file it names itself (KEMU_FUZZ_DATA_FILE).
./kemu-img convert -O qcow2 -o data_file="$work/df1.raw" "$corpus/small.raw" "$corpus/j"
./kemu-img convert -O qcow2 -o data_file="$work/df2.raw",data_file_raw=on,cluster_size=4k \
    "$corpus/small.raw" "$corpus/k"
kimg=$(pwd)/kemu-img
(cd "$corpus" && "$kimg" convert -O qcow2 -o data_file=../df3.raw small.raw l)
export KEMU_FUZZ_DATA_FILE="$work/df.raw"
truncate -s 4M "$KEMU_FUZZ_DATA_FILE"
rm -f "$corpus/small.raw"
# LUKS volumes and encrypted qcow2 images (passphrase "fuzz", the fewest
# PBKDF2 iterations), with 16-byte keys so the key slots fit in -max_len.
if has NETTLE; then
    head -c 65536 "$corpus/data.raw" > "$corpus/small.raw"
    sec="--object secret,id=s,data=fuzz"
    k128="cipher-alg=aes-128,cipher-mode=cbc"
    ./kemu-img convert $sec -O luks -o key-secret=s,iter-time=1,$k128,ivgen-alg=essiv \
        -o hash-alg=sha1 "$corpus/small.raw" "$corpus/luks-essiv"
    ./kemu-img convert $sec -O luks -o key-secret=s,iter-time=1,cipher-alg=twofish-128 \
        -o cipher-mode=cbc,ivgen-alg=plain "$corpus/small.raw" "$corpus/luks-plain"
    ./kemu-img convert $sec -O qcow2 -o encrypt.format=luks,encrypt.key-secret=s \
        -o encrypt.iter-time=1,encrypt.cipher-alg=aes-128,encrypt.cipher-mode=cbc,cluster_size=4k "$corpus/small.raw" \
        "$corpus/qcow2-luks"
    ./kemu-img convert $sec -O qcow2 -o encrypt.format=aes,encrypt.key-secret=s \
        -o cluster_size=4k "$corpus/small.raw" "$corpus/qcow2-aes"
    rm -f "$corpus/small.raw"
fi
rm -f "$corpus/data.raw"
log=$work/log
"$out" -max_total_time="$secs" -max_len=1200000 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix=tests/fuzz/ "$corpus" > "$log" 2>&1
status=$?
# The image errors the target provokes are expected noise; show the verdict.
grep -E '^(INFO|#|==|SUMMARY|stat::|artifact|Done)' "$log" | grep -v 'ERROR' | tail -n 12
if [ $status -eq 0 ]; then
    echo "PASS: fuzz-img: ${secs}s of qcow2 and LUKS open-path fuzzing"
else
    grep -A 30 -E 'ERROR: (AddressSanitizer|libFuzzer)|runtime error' "$log" | head -n 40
    echo "FAIL: fuzz-img: the fuzzer found a problem (the input is saved as tests/fuzz/crash-* or leak-*)"
fi
exit $status
