#!/bin/bash
# make check-kut: build kvm-unit-tests (build.sh), run its own runner with
# kemu in QEMU's place under TCG, then summarise: one line per test that
# failed or was skipped saying why, and "N passed, N failed, N skipped, N known failures"
# (failures listed in tests/kut/reasons count as known, not failed).
#   KUT_TESTS="smptest tsc"  run only these tests (default: all)
#   KUT_JOBS=2               tests run in parallel
#   KUT_TIMEOUT=120s         per-test timeout instead of unittests.cfg's
set -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kemu=${KEMU:-$root/kemu}
[ -x "$kemu" ] || { echo "check-kut: $kemu is not built" >&2; exit 2; }
dir=$("$here/build.sh") || exit $?
cd "$dir" || exit 2

start=$(date +%s)
args=(-v -j "${KUT_JOBS:-2}")
# shellcheck disable=SC2206
[ -n "$KUT_TESTS" ] && args+=($KUT_TESTS)
export QEMU=$kemu ACCEL=tcg
[ -n "$KUT_TIMEOUT" ] && export TIMEOUT=$KUT_TIMEOUT
./run_tests.sh "${args[@]}" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee logs.out
echo "kvm-unit-tests under kemu TCG: $(( $(date +%s) - start ))s, logs in $dir/logs"
"$here/summary.sh" logs.out logs "$here/reasons"
