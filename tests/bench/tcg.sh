#!/bin/sh
# make bench, TCG part (see tcg.py).
cd "$(dirname "$0")/../.." || exit 1
echo "== TCG: Linux boot and an in-guest workload"
python3 tests/bench/tcg.py
