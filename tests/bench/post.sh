#!/bin/sh
# make bench, firmware part: Debian's SeaBIOS from reset to the first
# output of a boot loader, kemu against QEMU on the same command line: an
# IDE disk whose boot sector prints KEMU-BOOT-LOADER on COM1 and ends the
# run through isa-debug-exit.  The figure is kemu-compare's ready time
# (medians of BENCH_RUNS, default 5); aim: less than QEMU's under the same
# accelerator.  Chart: BENCH_OUT/post.svg.
cd "$(dirname "$0")/../.." || exit 1
out=${BENCH_OUT:-bench-out}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# xor ax,ax; mov ds,ax; mov si,msg; 1: lodsb; test al,al; jz 2f;
# mov dx,0x3f8; out dx,al; jmp 1b; 2: xor al,al; out 0xf4,al; hlt
python3 - "$tmp/boot.img" <<'PY'
import sys
code = bytes([0x31, 0xc0, 0x8e, 0xd8, 0xbe, 0x17, 0x7c, 0xac, 0x84, 0xc0, 0x74, 0x06,
              0xba, 0xf8, 0x03, 0xee, 0xeb, 0xf5, 0x30, 0xc0, 0xe6, 0xf4, 0xf4])
sector = (code + b"KEMU-BOOT-LOADER\r\n\0").ljust(510, b"\0") + b"\x55\xaa"
with open(sys.argv[1], "wb") as f:
    f.write(sector)
    f.truncate(1 << 20)
PY
echo "== SeaBIOS: reset to the boot loader's first output (IDE disk)"
./kemu-compare -e "${BENCH_ENGINES:-kemu-native,kemu-kvm,qemu-tcg,qemu-kvm}" \
    -n "${BENCH_RUNS:-5}" -r 'KEMU-BOOT-LOADER' --expect-exit 1 -o "$out/post.svg" \
    --csv "$out/post.csv" -- -m 128 -nographic -boot reboot-timeout=-1 \
    -drive "file=$tmp/boot.img,format=raw,if=ide" -device isa-debug-exit,iobase=0xf4,iosize=4
