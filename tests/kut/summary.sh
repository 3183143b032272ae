#!/bin/bash
# summary.sh RUNNER-OUTPUT LOG-DIR REASONS [LABEL]: one line per kvm-unit-tests
# test that failed or was skipped, saying why, then the counts.  The why is
# the entry in REASONS ("name: text", for what kemu does not implement)
# if any, followed by the evidence: the runner's own reason (timeout,
# "x86_64 only", ...) or else the test's first FAIL line, its unhandled
# exception or its last line of output, from LOG-DIR/name.log.  A failure
# REASONS lists is a known one (XFAIL: kemu lacks what it tests); the closing
# line counts those apart from the failures, which are the ones REASONS does
# not list (a regression), and make the exit status 1.  LABEL (e.g. "interp
# backend") starts the closing line.
out=$1 logs=$2 reasons=$3 label=${4:+$4: }

known() {
    [ -f "$reasons" ] && sed -n "s/^$1: //p" "$reasons" | head -1
}

evidence() {
    local name=$1 rest=$2 log=$logs/$1.log line
    if [[ ! $rest =~ tests ]] && [[ $rest =~ ^\((.*)\)$ ]]; then
        echo "${BASH_REMATCH[1]}"
        return
    fi
    line=$(grep -m1 -a '^FAIL: ' "$log" 2>/dev/null | tr -d '\r')
    [ -z "$line" ] && line=$(grep -m1 -a -e 'Unhandled exception' -e '^kemu: ' "$log" 2>/dev/null | tr -d '\r')
    [ -z "$line" ] && line=$(grep -a -v -e '^\s*$' -e '^timeout -k' "$log" 2>/dev/null | tail -1 | tr -d '\r')
    echo "${rest:+$rest }${line:-no output}" | cut -c1-200
}

pass=0 fail=0 skip=0 unexpected=0
echo "--- kvm-unit-tests: tests that failed or were skipped, and why"
while read -r status name rest; do
    case $status in
    PASS) pass=$((pass + 1)); continue ;;
    FAIL) fail=$((fail + 1)) ;;
    SKIP) skip=$((skip + 1)) ;;
    *) continue ;;
    esac
    why=$(known "$name")
    if [ "$status" = FAIL ]; then
        if [ -z "$why" ]; then unexpected=$((unexpected + 1)); else status=XFAIL; fi
    fi
    ev=$(evidence "$name" "$rest")
    echo "$status $name: ${why:+$why; }$ev"
done < <(grep -a -E '^(PASS|FAIL|SKIP) [^ ]+' "$out")
[ "$unexpected" -gt 0 ] && echo "$unexpected failure(s) not listed in $reasons"
echo "$label$pass passed, $unexpected failed, $skip skipped, $((fail - unexpected)) known failures (XFAIL above)"
[ "$unexpected" -eq 0 ]
