#!/bin/bash
# tests/run.sh: everything `make check` runs (after scripts/install-deps.sh).
#
#  1. builds: `make -k -j2 all units`, `make -k -j2 SAN=1 all units`, `make -k -j2 fuzz-build`
#  2. every Check unit binary, in build/tests/ and in build-san/tests/ (one per
#     tests/unit/test_*.c; a source without its binary is a failure); the
#     counts are Check's own "Checks: N, Failures: F, Errors: E"
#  3. every libFuzzer target briefly: tests/fuzz/run-one.sh BIN SECONDS
#  4. every tests/netns/*.sh and tests/netns/*/*.sh scenario (not lib*.sh)
#     against the ASan+UBSan daemon in build-san/ (demo.sh runs the demo
#     against build/), JOBS at a time, each with its own name prefix and a
#     hard timeout; a scenario passes only with exit 0 and its own verdict
#     line ("RESULT name: PASS ..." or "PASS name ..."), so one that cannot
#     run, or asserts nothing, fails
#
# It prints one PASS/FAIL line per test, the log of every failure (scenario
# logs include the daemons' logs), and as its very last line
# `N passed, N failed`; it exits non-zero if anything failed.
#
# Time: every step has its own timeout, and the run as a whole a budget
# (L2T_BUDGET seconds, default 1500): once it is spent, the tests not yet
# started are reported as failed ("not run"), so `make check` ends within
# about 25 minutes plus the longest single test whatever happens.
#
# Environment: L2T_JOBS (parallel jobs for fuzz and scenarios, default 2),
# FUZZ_CHECK_SECONDS (per fuzz target, default 20), L2T_ONLY (a regex: run
# only the scenarios, unit binaries and fuzz targets whose name matches it,
# and skip the builds when L2T_NOBUILD=1) for working on one test.
set -eu -o pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${L2T_JOBS:-2}
FUZZ_SECONDS=${FUZZ_CHECK_SECONDS:-20}
ONLY=${L2T_ONLY:-}
LOGDIR=$(mktemp -d /tmp/l2pw-check.XXXXXX)
MODES=${L2T_MODES:-off tc xdp}

# base36 N [WIDTH]: N in digits 0-9a-z, zero-padded to WIDTH.
B36=0123456789abcdefghijklmnopqrstuvwxyz
base36() {
	local n=$1 w=${2:-1} out=""
	while [ "$n" -gt 0 ] || [ "${#out}" -lt "$w" ]; do
		out=${B36:$((n % 36)):1}$out
		n=$((n / 36))
	done
	echo "$out"
}
# Scenario prefixes (lib.sh: at most 9 characters): "l2", this runner's PID
# in base 36 (at most 5 characters for PIDs up to 2^22), and two characters
# per scenario run (one per scenario and mode: 1296 runs before a repeat).
RUN_PFX=l2$(base36 $$)
pfx_suffix() { base36 "$(($1 % 1296))" 2; }
T0=$(date +%s)
DEADLINE=$((T0 + ${L2T_BUDGET:-1500}))

PASSED=0
FAILED=0
FINAL_PRINTED=0
declare -A JOB_NAME=() # pid -> test name
declare -A JOB_PFX=()  # pid -> scenario prefix ("" for non-scenarios)
declare -A JOB_T0=()   # pid -> start time (s)

say() { printf '%s\n' "$*"; }
since() { echo "$(($(date +%s) - T0))s"; }
selected() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }

# show_log FILE: a failure's log, indented, capped so one runaway test cannot
# bury the others.
show_log() {
	local lines
	lines=$(wc -l <"$1")
	if [ "$lines" -gt 400 ]; then
		head -n 100 "$1" | sed 's/^/    /'
		say "    [... $((lines - 350)) lines left out; whole log: $1 ...]"
		tail -n 250 "$1" | sed 's/^/    /'
	else
		sed 's/^/    /' "$1"
	fi
}

# over_budget NAME: true (and NAME reported failed) once the budget is spent.
over_budget() {
	[ "$(date +%s)" -ge "$DEADLINE" ] || return 1
	failed "$1 (not run: the time budget of ${L2T_BUDGET:-1500}s is spent)"
}

pass() {
	PASSED=$((PASSED + ${2:-1}))
	say "PASS $1"
}
failed() {
	FAILED=$((FAILED + ${2:-1}))
	say "FAIL $1"
	[ -z "${3:-}" ] || [ ! -s "$3" ] || show_log "$3"
}

# --- background jobs (fuzz targets, scenarios) --------------------------------

# job_start NAME PFX LOG CMD...: run in the background, at most JOBS at once.
job_start() {
	local name=$1 pfx=$2 log=$3 pid
	shift 3
	while [ "${#JOB_NAME[@]}" -ge "$JOBS" ]; do
		job_reap
	done
	! over_budget "$name" || return 0
	"$@" >"$log" 2>&1 &
	pid=$!
	JOB_NAME[$pid]=$name
	JOB_PFX[$pid]=$pfx
	JOB_T0[$pid]=$(date +%s)
	echo "$log" >"$LOGDIR/job.$pid"
}

# job_reap: wait for one job and report it.
job_reap() {
	local pid rc=0 name pfx log leaked secs
	wait -n -p pid "${!JOB_NAME[@]}" || rc=$?
	name=${JOB_NAME[$pid]}
	pfx=${JOB_PFX[$pid]}
	log=$(cat "$LOGDIR/job.$pid")
	secs=$(($(date +%s) - JOB_T0[$pid]))
	unset "JOB_NAME[$pid]" "JOB_PFX[$pid]" "JOB_T0[$pid]"
	printf '%s\t%s\n' "$secs" "$name" >>"$LOGDIR/durations"
	leaked=""
	[ -z "$pfx" ] || leaked=$(reap_namespaces "$pfx")
	if [ -n "$leaked" ]; then
		say "runner: $name left namespaces behind, deleted: $leaked" >>"$log"
		[ "$rc" -ne 0 ] || rc=1
	fi
	# A scenario passes with exit 0 *and* its own verdict line; anything else
	# that exits 0 (a library run by mistake, a script that asserted nothing)
	# is a failure.
	if [ "$rc" -eq 0 ] && [ -n "$pfx" ] && ! grep -qE '^(RESULT [^:]+: PASS|PASS )' "$log"; then
		say "runner: exit 0 but no 'RESULT name: PASS' or 'PASS name' line" >>"$log"
		rc=1
	fi
	case $rc in
	0) pass "$name ($(job_summary "$log"); ${secs}s)" ;;
	124 | 137) failed "$name (timed out after ${secs}s)" 1 "$log" ;;
	*) failed "$name (exit $rc, ${secs}s)" 1 "$log" ;;
	esac
}
job_reap_all() {
	while [ "${#JOB_NAME[@]}" -gt 0 ]; do
		job_reap
	done
}
job_summary() {
	local r
	r=$(grep -E '^(RESULT |PASS )' "$1" | tail -n 1 | sed -e 's/^RESULT [^:]*: [A-Z]* (//' -e 's/)$//' -e 's/^PASS [^:]*: //')
	if [ -n "$r" ]; then
		echo "$r"
	else
		tail -n 1 "$1" | cut -c1-100
	fi
}

# reap_namespaces PFX: a scenario must delete its namespaces; if it could not
# (killed), end the processes inside them (they are that scenario's) and
# delete them.  Prints what it had to delete.
reap_namespaces() {
	local ns pid out=""
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$1-" || true); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
		out="$out $ns"
	done
	echo "$out"
}

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM HUP
	set +eu
	for pid in "${!JOB_NAME[@]}"; do
		# each job is timeout(1), the leader of its own process group
		kill -TERM -- "-$pid" 2>/dev/null
	done
	for pid in "${!JOB_NAME[@]}"; do
		wait "$pid" 2>/dev/null
		[ -z "${JOB_PFX[$pid]}" ] || reap_namespaces "${JOB_PFX[$pid]}" >/dev/null
	done
	if [ "$FINAL_PRINTED" -eq 0 ]; then
		say "FAIL runner interrupted (status $rc); logs in $LOGDIR"
		say "$PASSED passed, $((FAILED + 1)) failed"
		exit 1
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# --- 1. builds -----------------------------------------------------------------

# build NAME CMD...: one test per build command.
build() {
	local name=$1 log
	shift
	log=$LOGDIR/$name.log
	! over_budget "$name" || return 0
	say "runner: $* ($(since))"
	if timeout 900 "$@" >"$log" 2>&1; then
		pass "$name"
	else
		# The compiler's complaints, not every command line make echoed.
		grep -E -B2 -A6 'error:|Error [0-9]+|undefined reference|No rule to make|Terminated' "$log" |
			head -n 150 >"$log.errors" || true
		[ -s "$log.errors" ] || tail -n 40 "$log" >"$log.errors"
		echo "(whole log: $log)" >>"$log.errors"
		failed "$name" 1 "$log.errors"
	fi
}

if [ "${L2T_NOBUILD:-0}" != 1 ]; then
	# -k: one broken file should not hide the tests that do build
	build build "${MAKE:-make}" -k -j2 all units
	build build-san "${MAKE:-make}" -k -j2 SAN=1 all units
	build fuzz-build "${MAKE:-make}" -k -j2 fuzz-build
fi

# --- 2. unit tests ---------------------------------------------------------------

# unit BIN LABEL: run one Check binary (CK_FORK left at its default: forked
# tests survive each other's crashes) and count its checks.
unit() {
	local bin=$1 label=$2 log rc=0 n=0 f=0 e=0 line ok
	log=$LOGDIR/unit-${label//\//-}.log
	if [ ! -x "$bin" ]; then
		failed "$label (not built: $bin missing)"
		return
	fi
	! over_budget "$label" || return 0
	timeout 300 "$bin" >"$log" 2>&1 || rc=$?
	while read -r line; do
		[[ $line =~ Checks:\ ([0-9]+),\ Failures:\ ([0-9]+),\ Errors:\ ([0-9]+) ]] || continue
		n=$((n + BASH_REMATCH[1]))
		f=$((f + BASH_REMATCH[2]))
		e=$((e + BASH_REMATCH[3]))
	done <"$log"
	ok=$((n - f - e))
	if [ "$n" -eq 0 ]; then
		failed "$label (no Check summary line, exit $rc)" 1 "$log"
	elif [ $((f + e)) -gt 0 ]; then
		PASSED=$((PASSED + ok))
		failed "$label ($n checks: $f failures, $e errors, exit $rc)" $((f + e)) "$log"
	elif [ "$rc" -ne 0 ]; then
		# All checks passed but the binary did not (sanitizer at exit, timeout).
		PASSED=$((PASSED + ok))
		failed "$label ($n checks passed, but exit status $rc)" 1 "$log"
	else
		pass "$label ($n checks)" "$n"
	fi
}

say "runner: unit tests ($(since))"
for dir in build build-san; do
	for src in tests/unit/test_*.c; do
		[ -e "$src" ] || continue
		t=$(basename "$src" .c)
		selected "$t" || continue
		# Sanitizers slow things down; give Check's per-test timeout room.
		if [ "$dir" = build-san ]; then
			CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-3} unit "$dir/tests/$t" "unit $dir/$t"
		else
			unit "$dir/tests/$t" "unit $dir/$t"
		fi
	done
done

# --- 3. fuzz targets -------------------------------------------------------------

say "runner: fuzz targets, ${FUZZ_SECONDS}s each ($(since))"
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	t=$(basename "$src" .c)
	selected "$t" || continue
	if [ ! -x tests/fuzz/run-one.sh ]; then
		failed "fuzz $t (tests/fuzz/run-one.sh missing)"
	elif [ ! -x "build-fuzz/$t" ]; then
		failed "fuzz $t (not built: build-fuzz/$t missing)"
	else
		job_start "fuzz $t" "" "$LOGDIR/fuzz-$t.log" \
			timeout -k 10 $((FUZZ_SECONDS + 120)) tests/fuzz/run-one.sh "build-fuzz/$t" "$FUZZ_SECONDS"
	fi
done
job_reap_all

# --- 4. namespace scenarios ---------------------------------------------------------

# modes_of SCENARIO_FILE: the fast-path modes to run it in.  The L2TPv3
# (0*, 1*) and L2TPv2/PPP/BCP/MP (2*, 3*) scenarios run in every mode of
# L2T_MODES; one whose subject is a single mode (it sets L2T_FASTPATH or
# L2T_FASTPATH_MODE itself, e.g. 14a/14b/14c) or no daemon at all (a
# "# l2t-modes: once" line, e.g. 00-topology, 00b-examples) runs once, as do
# demo and ipsec/ ("-": the scenario's own or the daemon's default mode).
modes_of() {
	local name=${1#tests/netns/}
	if [[ $name =~ ^[0-3] ]] &&
		! grep -qE '^(# l2t-modes: once|[[:space:]]*(export[[:space:]]+)?([A-Z_]+=[^ ]*[[:space:]]+)*L2T_FASTPATH(_MODE)?=)' "$1"; then
		echo "$MODES"
	else
		echo -
	fi
}

say "runner: namespace scenarios, $JOBS at a time, fast-path modes: $MODES, daemon build-san/l2pwd ($(since))"
idx=0
# Scenarios: tests/netns/*.sh and one directory down (tests/netns/ipsec/...);
# lib*.sh are libraries, not scenarios.
for sc in tests/netns/*.sh tests/netns/*/*.sh; do
	[ -e "$sc" ] || continue
	case $(basename "$sc") in lib*.sh) continue ;; esac
	t=${sc#tests/netns/}
	t=${t%.sh}
	for mode in $(modes_of "$sc"); do
		# One prefix per run and mode, whether selected or not, so a
		# scenario keeps its prefix across partial runs.
		pfx=$RUN_PFX$(pfx_suffix "$idx")
		idx=$((idx + 1))
		if [ "$mode" = - ]; then
			name=$t fp=() log=netns-${t//\//-}
		else
			name="$t [$mode]" fp=(L2T_FASTPATH="$mode") log=netns-${t//\//-}-$mode
		fi
		selected "$name" || continue
		job_start "netns $name" "$pfx" "$LOGDIR/$log.log" \
			env "${fp[@]}" L2T_PFX="$pfx" L2PWD="$ROOT/build-san/l2pwd" L2PWCTL="$ROOT/build-san/l2pwctl" \
			timeout -k 20 400 bash "$sc"
	done
done
job_reap_all

# --- summary ---------------------------------------------------------------------

# The slowest background jobs: where the time of `make check` goes.
if [ -s "$LOGDIR/durations" ]; then
	say "runner: slowest jobs (seconds, wall clock, $JOBS at a time; load now: $(cut -d' ' -f1-3 /proc/loadavg)):"
	sort -rn "$LOGDIR/durations" | head -n 12 | sed 's/^/    /'
fi
if [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]; then
	rm -rf "$LOGDIR"
	say "runner: done in $(since)"
else
	say "runner: done in $(since); logs in $LOGDIR"
fi
[ "$PASSED" -gt 0 ] || {
	say "FAIL nothing ran"
	FAILED=$((FAILED + 1))
}
FINAL_PRINTED=1
say "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
