#!/bin/sh
# kemu-img vs qemu-img on the same files: create -o preallocation=metadata of
# an 80 GiB qcow2, and convert raw->qcow2 and qcow2->raw of a 1 GiB image of
# mixed data, written zeros and holes.  Prints the median of RUNS runs (default
# 5) of each tool and the ratio qemu/kemu (above 1: kemu-img is faster).
cd "$(dirname "$0")/../.." || exit 2
runs=${RUNS:-5}
kemu=./kemu-img
if ! command -v qemu-img >/dev/null 2>&1; then
    echo "SKIP: bench img: qemu-img is not installed (make deps)"
    exit 0
fi
[ -x "$kemu" ] || { echo "FAIL: bench img: kemu-img not built"; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/kemu-img-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# Seconds (wall clock) of one command.
secs() {
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; return 1; }
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench NAME SETUP-CMD(run before each timing, untimed) -- runs each tool.
bench() {
    name=$1 kcmd=$2 qcmd=$3 prep=$4
    kt= qt=
    i=0
    while [ $i -lt "$runs" ]; do
        eval "$prep"; kt="$kt $(eval secs $kcmd)"
        eval "$prep"; qt="$qt $(eval secs $qcmd)"
        i=$((i + 1))
    done
    km=$(echo $kt | tr ' ' '\n' | median)
    qm=$(echo $qt | tr ' ' '\n' | median)
    ratio=$(awk -v q="$qm" -v k="$km" 'BEGIN { printf "%.2f", (k > 0 ? q / k : 0) }')
    printf '%-36s kemu-img %6.3fs  qemu-img %6.3fs  ratio %s\n' "$name" "$km" "$qm" "$ratio"
}

python3 - "$dir/mixed.raw" <<'PY'
import os, sys
blk = os.urandom(1 << 20)
with open(sys.argv[1], "wb") as f:
    f.truncate(1 << 30)
    for i in range(256):          # per 4 MiB: 2 MiB data, 1 MiB zeros, 1 MiB hole
        f.seek(i * (4 << 20))
        f.write(blk)
        f.write(blk[::-1])
        f.write(bytes(1 << 20))
PY
qemu-img convert -O qcow2 "$dir/mixed.raw" "$dir/mixed.qcow2"

echo "kemu-img vs qemu-img, median of $runs runs (ratio = qemu/kemu, higher is better)"
bench "create qcow2 80G preallocation=metadata" \
    "$kemu create -q -f qcow2 -o preallocation=metadata $dir/k.qcow2 80G" \
    "qemu-img create -q -f qcow2 -o preallocation=metadata $dir/q.qcow2 80G" \
    "rm -f $dir/k.qcow2 $dir/q.qcow2"
bench "convert raw->qcow2 1G mixed" \
    "$kemu convert -O qcow2 $dir/mixed.raw $dir/k.qcow2" \
    "qemu-img convert -O qcow2 $dir/mixed.raw $dir/q.qcow2" \
    "rm -f $dir/k.qcow2 $dir/q.qcow2"
bench "convert qcow2->raw 1G mixed" \
    "$kemu convert -O raw $dir/mixed.qcow2 $dir/k.raw" \
    "qemu-img convert -O raw $dir/mixed.qcow2 $dir/q.raw" \
    "rm -f $dir/k.raw $dir/q.raw"
# Sequential reads through the block layer (thread pool, cache=none) of a
# fully allocated qcow2, against the host file read with O_DIRECT.
head -c $((512 << 20)) /dev/urandom > "$dir/full.raw"
$kemu convert -O qcow2 "$dir/full.raw" "$dir/full.qcow2"
mbps() { awk -v t="$1" 'BEGIN { printf "%.0f", (t > 0 ? 512 / t : 0) }'; }
ht= kt= qt=
i=0
while [ $i -lt "$runs" ]; do
    ht="$ht $(secs dd if="$dir/full.raw" of=/dev/null bs=1M iflag=direct)"
    kt="$kt $(secs $kemu bench -q -f qcow2 -t none -s 1M -c 512 -d 4 "$dir/full.qcow2")"
    qt="$qt $(secs qemu-img bench -q -f qcow2 -t none -s 1M -c 512 -d 4 "$dir/full.qcow2")"
    i=$((i + 1))
done
hm=$(echo $ht | tr ' ' '\n' | median)
km=$(echo $kt | tr ' ' '\n' | median)
qm=$(echo $qt | tr ' ' '\n' | median)
printf '%-36s host file %s MB/s, kemu block layer %s MB/s (%s of host), qemu-img bench %s MB/s\n' \
    "sequential read 512M qcow2, O_DIRECT" "$(mbps "$hm")" "$(mbps "$km")" \
    "$(awk -v h="$hm" -v k="$km" 'BEGIN { printf "%.0f%%", (k > 0 ? 100 * h / k : 0) }')" "$(mbps "$qm")"

# The copies must agree, or the timings mean nothing.
$kemu convert -O raw "$dir/mixed.qcow2" "$dir/k.raw" && $kemu convert -O qcow2 "$dir/mixed.raw" "$dir/k.qcow2" &&
    qemu-img compare -q "$dir/k.raw" "$dir/mixed.raw" && qemu-img compare -q "$dir/k.qcow2" "$dir/mixed.raw" &&
    qemu-img check -q "$dir/k.qcow2" || { echo "FAIL: bench img: kemu-img output differs"; exit 1; }
