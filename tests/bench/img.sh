#!/bin/sh
# kemu-img vs qemu-img on the same files: create -o preallocation=metadata of
# an 80 GiB qcow2, then convert of four data mixes (zero runs, random data,
# already-compressed data, a mixed image) raw->qcow2, qcow2->raw and
# qcow2->qcow2, and with -c raw->qcow2 and qcow2->qcow2, then info, map,
# check and compare of the mixed image.  Prints the median wall time and
# CPU time of RUNS runs (default 5) of each tool, run in turn (each goes
# first every other run), and the ratios qemu/kemu (above 1: kemu-img is
# faster).  IMG_MB (default
# 256) sizes the mixes; MIXES (default "zero random gzip mixed") picks them;
# ONLY (an extended regular expression) the cases timed, by name.
cd "$(dirname "$0")/../.." || exit 2
runs=${RUNS:-5}
only=${ONLY:-.}
kemu=./kemu-img
if ! command -v qemu-img >/dev/null 2>&1; then
    echo "SKIP: bench img: qemu-img is not installed (make deps)"
    exit 0
fi
[ -x "$kemu" ] || { echo "FAIL: bench img: kemu-img not built"; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/kemu-img-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# Seconds of one command: wall clock, then CPU (user + system, the command
# and its threads).  On a busy host the wall clock also measures the share
# of the CPUs a tool gets; the CPU time is the work it did.
secs() {
    python3 -c '
import os, subprocess, sys, time
t = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, st, ru = os.wait4(p.pid, 0)
if st:
    sys.exit("command failed: " + " ".join(sys.argv[1:]))
print("%.3f %.3f" % (time.monotonic() - t, ru.ru_utime + ru.ru_stime))' "$@"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench NAME KEMU-CMD QEMU-CMD PREP (PREP runs before each timing, untimed;
# then the file system is synced, so that neither tool starts with the other
# one's dirty pages still to be written back).
bench() {
    name=$1 kcmd=$2 qcmd=$3 prep=$4
    printf '%s\n' "$name" | grep -Eq -- "$only" || return 0
    kt= qt= kc= qc=
    i=0
    while [ $i -lt "$runs" ]; do
        # Every other run qemu-img goes first: the file system's state after
        # the previous run's output is removed weighed on the next command
        # by up to 2x (the same convert timed after another one).
        if [ $((i % 2)) = 1 ]; then
            eval "$prep"; sync -f "$dir"; set -- $(eval secs $qcmd); qt="$qt $1" qc="$qc $2"
        fi
        eval "$prep"; sync -f "$dir"; set -- $(eval secs $kcmd); kt="$kt $1" kc="$kc $2"
        if [ $((i % 2)) = 0 ]; then
            eval "$prep"; sync -f "$dir"; set -- $(eval secs $qcmd); qt="$qt $1" qc="$qc $2"
        fi
        i=$((i + 1))
    done
    km=$(echo $kt | tr ' ' '\n' | median) kcm=$(echo $kc | tr ' ' '\n' | median)
    qm=$(echo $qt | tr ' ' '\n' | median) qcm=$(echo $qc | tr ' ' '\n' | median)
    ratio=$(awk -v q="$qm" -v k="$km" 'BEGIN { printf "%.2f", (k > 0 ? q / k : 0) }')
    cratio=$(awk -v q="$qcm" -v k="$kcm" 'BEGIN { printf "%.2f", (k > 0 ? q / k : 0) }')
    printf '%-36s kemu-img %6.3fs (cpu %6.3fs)  qemu-img %6.3fs (cpu %6.3fs)  ratio %s  cpu ratio %s\n' \
        "$name" "$km" "$kcm" "$qm" "$qcm" "$ratio" "$cratio"
}

mb=${IMG_MB:-256}
# zero: written zeros, holes and a 4 KiB block of data every 4 MiB.
python3 - "$dir/zero.raw" "$mb" <<'PY'
import os, sys
mb = int(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    f.truncate(mb << 20)
    for i in range(mb // 4):
        f.seek(i * (4 << 20))
        f.write(os.urandom(4096))
        f.write(bytes(2 << 20))
PY
head -c $((mb << 20)) /dev/urandom > "$dir/random.raw"
# compressed: a gzip stream of the host's libraries (deflate does not shrink it).
tar cf - /usr/lib /usr/share 2>/dev/null | gzip -1 | head -c $((mb << 20)) > "$dir/gzip.raw"
truncate -s $((mb << 20)) "$dir/gzip.raw"
# mixed: per 4 MiB, 2 MiB of data, 1 MiB written zeros and 1 MiB hole.
python3 - "$dir/mixed.raw" "$mb" <<'PY'
import os, sys
mb = int(sys.argv[2])
blk = os.urandom(1 << 20)
with open(sys.argv[1], "wb") as f:
    f.truncate(mb << 20)
    for i in range(mb // 4):
        f.seek(i * (4 << 20))
        f.write(blk)
        f.write(blk[::-1])
        f.write(bytes(1 << 20))
PY
mixes=${MIXES:-zero random gzip mixed}
for m in $mixes; do
    qemu-img convert -O qcow2 "$dir/$m.raw" "$dir/$m.qcow2"
done

echo "kemu-img vs qemu-img, median of $runs runs (ratio = qemu/kemu, higher is better)"
bench "create qcow2 80G" \
    "$kemu create -q -f qcow2 $dir/k.qcow2 80G" \
    "qemu-img create -q -f qcow2 $dir/q.qcow2 80G" \
    "rm -f $dir/k.qcow2 $dir/q.qcow2"
bench "create qcow2 80G preallocation=metadata" \
    "$kemu create -q -f qcow2 -o preallocation=metadata $dir/k.qcow2 80G" \
    "qemu-img create -q -f qcow2 -o preallocation=metadata $dir/q.qcow2 80G" \
    "rm -f $dir/k.qcow2 $dir/q.qcow2"
# convert NAME OPTS SRC-EXT OUT-FMT
convert() {
    bench "convert $1 ${mb}M $m" \
        "$kemu convert $2 $dir/$m.$3 $dir/k.$4" \
        "qemu-img convert $2 $dir/$m.$3 $dir/q.$4" \
        "rm -f $dir/k.$4 $dir/q.$4"
}
for m in $mixes; do
    convert "raw->qcow2" "-O qcow2" raw qcow2
    convert "qcow2->raw" "-O raw" qcow2 raw
    convert "qcow2->qcow2" "-O qcow2" qcow2 qcow2
    convert "raw->qcow2 -c" "-c -O qcow2" raw qcow2
    convert "qcow2->qcow2 -c" "-c -O qcow2" qcow2 qcow2
done
# The commands that only read: on the mixed image if it was made, else on
# the first mix.
case " $mixes " in *" mixed "*) m=mixed ;; *) set -- $mixes; m=$1 ;; esac
for cmd in "info" "info --output=json" "map --output=json" "check"; do
    bench "$cmd ${mb}M $m.qcow2" "$kemu $cmd $dir/$m.qcow2" "qemu-img $cmd $dir/$m.qcow2" ":"
done
bench "compare ${mb}M $m qcow2 raw" "$kemu compare $dir/$m.qcow2 $dir/$m.raw" \
    "qemu-img compare $dir/$m.qcow2 $dir/$m.raw" ":"
# Sequential reads through the block layer (thread pool, cache=none) of a
# fully allocated qcow2, against the host file read with O_DIRECT.
head -c $((512 << 20)) /dev/urandom > "$dir/full.raw"
$kemu convert -O qcow2 "$dir/full.raw" "$dir/full.qcow2"
mbps() { awk -v t="$1" 'BEGIN { printf "%.0f", (t > 0 ? 512 / t : 0) }'; }
ht= kt= qt=
i=0
while [ $i -lt "$runs" ]; do
    ht="$ht $(secs dd if="$dir/full.raw" of=/dev/null bs=1M iflag=direct | cut -d" " -f1)"
    kt="$kt $(secs $kemu bench -q -f qcow2 -t none -s 1M -c 512 -d 4 "$dir/full.qcow2" | cut -d" " -f1)"
    qt="$qt $(secs qemu-img bench -q -f qcow2 -t none -s 1M -c 512 -d 4 "$dir/full.qcow2" | cut -d" " -f1)"
    i=$((i + 1))
done
hm=$(echo $ht | tr ' ' '\n' | median)
km=$(echo $kt | tr ' ' '\n' | median)
qm=$(echo $qt | tr ' ' '\n' | median)
printf '%-36s host file %s MB/s, kemu block layer %s MB/s (%s of host), qemu-img bench %s MB/s\n' \
    "sequential read 512M qcow2, O_DIRECT" "$(mbps "$hm")" "$(mbps "$km")" \
    "$(awk -v h="$hm" -v k="$km" 'BEGIN { printf "%.0f%%", (k > 0 ? 100 * h / k : 0) }')" "$(mbps "$qm")"

# The copies must agree, or the timings mean nothing.
for m in $mixes; do
    for opts in "-O raw" "-O qcow2" "-c -O qcow2" "-W -m 16 -O qcow2"; do
        ext=${opts##* }
        $kemu convert $opts "$dir/$m.qcow2" "$dir/k.$ext" &&
            qemu-img compare -q "$dir/k.$ext" "$dir/$m.raw" &&
            { [ "$ext" = raw ] || qemu-img check -q "$dir/k.$ext"; } ||
            { echo "FAIL: bench img: kemu-img convert $opts of $m differs"; exit 1; }
    done
done
