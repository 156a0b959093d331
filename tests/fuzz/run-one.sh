#!/bin/sh
# Run one libFuzzer target for a bounded time and print one line with the result.
#
#   tests/fuzz/run-one.sh build-fuzz/fuzz_NAME SECONDS
#
# Corpus: build-fuzz/corpus-NAME (next to the binary), seeded from
# tests/fuzz/seeds/NAME/ when that directory exists.  Crash inputs go to
# build-fuzz/artifacts-NAME/.  Exit status: 0 when the run ended without a
# finding, non-zero on a crash, leak, timeout or a binary that will not start.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 BIN SECONDS" >&2
	exit 2
fi
bin=$1
secs=$2
here=$(cd "$(dirname "$0")" && pwd)
base=$(basename "$bin")
name=${base#fuzz_}
outdir=$(dirname "$bin")
corpus=$outdir/corpus-$name
artifacts=$outdir/artifacts-$name
log=$outdir/fuzz-$name.log

if [ ! -x "$bin" ]; then
	echo "FAIL $name: $bin is not built (make fuzz-build)"
	exit 1
fi
mkdir -p "$corpus" "$artifacts"
if [ -d "$here/seeds/$name" ]; then
	cp -n "$here/seeds/$name"/* "$corpus"/ 2>/dev/null || true
fi

"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
files=$(find "$corpus" -type f | wc -l)
if [ $rc -ne 0 ]; then
	crash=$(grep -o "Test unit written to [^ ]*" "$log" | tail -n 1 | sed 's/Test unit written to //')
	echo "FAIL $name: exit $rc after ${execs:-?} runs, input ${crash:-none}, log $log"
	exit 1
fi
echo "OK $name: ${execs:-?} runs in ${secs}s, coverage ${cov:-?}, corpus $files files"
