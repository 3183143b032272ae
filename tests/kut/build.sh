#!/bin/sh
# Build kvm-unit-tests (x86_64) out of tree and print the build folder.
# The source (KUT_SRC) is read-only input: it is copied to a scratch folder
# under KUT_BUILD, configured and built there.  A build is kept and reused
# as long as the source is unchanged (the folder is named after a hash of
# every source file's path and contents).
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
src=${KUT_SRC:-../shared/kvm-unit-tests}
case $src in /*) ;; *) src=$root/$src ;; esac
if [ ! -f "$src/run_tests.sh" ] || [ ! -f "$src/x86/unittests.cfg" ]; then
    echo "check-kut: kvm-unit-tests not found at $src" >&2
    echo "check-kut: put the source there or set KUT_SRC=path" >&2
    exit 2
fi
builds=${KUT_BUILD:-${KEMU_ASSETS:-$HOME/.cache/kemu}/kut}
key=$(cd "$src" && find . -type f | LC_ALL=C sort |
      xargs sha256sum | sha256sum | cut -c1-16)
dir=$builds/$key
if [ -f "$dir/.built" ]; then
    echo "$dir"
    exit 0
fi
# Built in place (the debug info names the build folder); a folder
# without .built is what an interrupted build left: start it over.  Builds
# of other sources are dropped: one is kept.
for old in "$builds"/*; do
    [ -d "$old" ] && [ "$old" != "$dir" ] && rm -rf "$old"
done
rm -rf "$dir"
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
cp -R "$src/." "$dir/"
chmod -R u+w "$dir"
# A snapshot made without symlink support stores a link as a small file
# holding its target ("../common/sieve.c"): turn those back into links.
find "$dir" -type f -size -200c | while read -r f; do
    t=$(cat "$f")
    case $t in
    ../*|./*)
        if [ "$(wc -l < "$f")" -eq 0 ] && [ -f "$(dirname "$f")/$t" ]; then
            rm "$f" && ln -s "$t" "$f"
        fi ;;
    esac
done
(cd "$dir" && ./configure --arch=x86_64 && make -j2) >"$dir/build.log" 2>&1 || {
    tail -20 "$dir/build.log" >&2
    echo "check-kut: building kvm-unit-tests failed (log above)" >&2
    exit 1
}
touch "$dir/.built"
trap - EXIT
echo "$dir"
