#!/bin/bash
# make check-kut: build kvm-unit-tests (build.sh), run its own runner with
# kemu in QEMU's place under TCG, once per TCG backend, then summarise each
# run: one line per test that failed or was skipped saying why, and
# "BACKEND backend: N passed, N failed, N skipped, N known failures"
# (failures listed in tests/kut/reasons count as known, not failed); the
# last line is the same count over all backends.
#   KUT_BACKENDS="native interp"  TCG backends to run (default: both; one
#                            kemu was built without is skipped, said so)
#   KUT_TESTS="smptest tsc"  run only these tests (default: all)
#   KUT_JOBS=2               tests run in parallel
#   KUT_TIMEOUT=120s         per-test timeout instead of unittests.cfg's
#   KUT_LOGS=dir             where each backend's logs go (default kut-logs/ in
#                            this tree: the build folder is shared by trees)
set -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kemu=${KEMU:-$root/kemu}
[ -x "$kemu" ] || { echo "check-kut: $kemu is not built" >&2; exit 2; }
backends=${KUT_BACKENDS:-native interp}
for b in $backends; do
    case $b in
    native|interp) ;;
    *) echo "check-kut: KUT_BACKENDS: unknown TCG backend '$b' (native, interp)" >&2; exit 2 ;;
    esac
done
dir=$("$here/build.sh") || exit $?
logs=${KUT_LOGS:-$root/kut-logs}
mkdir -p "$logs" && logs=$(cd "$logs" && pwd) || exit 2
cd "$dir" || exit 2

# One backend's run: the suite's runner (kemu takes the backend from
# KEMU_TCG_BACKEND: the runner builds "-machine accel=tcg" itself), then
# its summary; the summary's count line is kept in $logs/counts.$1.
run_backend() {
    local b=$1 out=$logs/$1 start args=(-v -j "${KUT_JOBS:-2}")
    # shellcheck disable=SC2206
    [ -n "$KUT_TESTS" ] && args+=($KUT_TESTS)
    start=$(date +%s)
    echo "=== kvm-unit-tests under kemu TCG, $b backend"
    KEMU_TCG_BACKEND=$b unittest_log_dir=$out QEMU=$kemu ACCEL=tcg \
        ./run_tests.sh "${args[@]}" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee "$out.out"
    echo "kvm-unit-tests under kemu TCG, $b backend: $(( $(date +%s) - start ))s, logs in $out"
    "$here/summary.sh" "$out.out" "$out" "$here/reasons" "$b backend" | tee "$logs/counts.$b"
}

[ -n "$KUT_TIMEOUT" ] && export TIMEOUT=$KUT_TIMEOUT
pass=0 fail=0 skip=0 known=0 rc=0
for b in $backends; do
    if ! "$kemu" -accel "tcg,backend=$b" -accel help > /dev/null 2>&1; then
        echo "check-kut: $b backend: skipped (kemu was built without it)"
        continue
    fi
    run_backend "$b" || rc=1
    read -r p f s k < <(tail -n 1 "$logs/counts.$b" |
        sed -n 's/.* \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped, \([0-9]*\) known.*/\1 \2 \3 \4/p')
    pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0})) skip=$((skip + ${s:-0})) known=$((known + ${k:-0}))
done
echo "=== kvm-unit-tests, all backends ($backends)"
echo "$pass passed, $fail failed, $skip skipped, $known known failures"
exit $rc
