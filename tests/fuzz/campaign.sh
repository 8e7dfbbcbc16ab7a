#!/bin/sh
# campaign.sh — a fuzzing campaign: RUNS inputs for each target on the fast build (UBSan, no
# ASan, build-fuzz-fast/), growing the shared corpus build-fuzz/corpus/TARGET, then every input
# of that corpus once more under the ASan+UBSan build (build-fuzz/).  One line per target is
# appended to build-fuzz/campaign.txt.  Usage: campaign.sh RUNS TARGET...  (run from the
# checkout; `make fuzz-campaign` builds both and calls it).  Exit 1 if any target crashed.
# FUZZ_TIMEOUT (seconds, default 20) is libFuzzer's per-input limit: a campaign that will be
# paused (kill -STOP, to free a core for a measurement) needs one longer than the pause, as
# libFuzzer times an input by the wall clock.  FUZZ_WORKERS (default 1) splits each target's
# RUNS among that many fuzzer processes growing the one corpus (one per core); the line then
# counts the inputs of all of them.
set -u
runs=$1; shift
timeout=${FUZZ_TIMEOUT:-20}
fast=build-fuzz-fast; asan=build-fuzz
mkdir -p $asan/crashes
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
fail=0
for t in "$@"; do
  mkdir -p $asan/corpus/$t
  case $t in theme) seeds=themes;; lua) seeds=experiments;; *) seeds=;; esac
  start=$(date +%s)
  workers=${FUZZ_WORKERS:-1}
  w=1; pids=; logs=
  while [ $w -le $workers ]; do
    log=$asan/$t.campaign.log; [ $workers = 1 ] || log=$asan/$t.campaign.$w.log
    logs="$logs $log"
    $fast/fuzz_$t -runs=$(( runs / workers )) -timeout=$timeout -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=$asan/crashes/$t- $asan/corpus/$t tests/fuzz/corpus/$t $seeds \
      > $log 2>&1 &
    pids="$pids $!"; w=$((w + 1))
  done
  rc=0
  for p in $pids; do wait $p || rc=1; done
  secs=$(( $(date +%s) - start ))
  n=0
  for log in $logs; do
    k=$(sed -n 's/^stat::number_of_executed_units: *//p' $log | tail -n 1)
    n=$(( n + ${k:-0} ))
  done
  rate=$(( n / (secs > 0 ? secs : 1) ))
  size=$(ls $asan/corpus/$t | wc -l)
  # the whole corpus once under ASan+UBSan
  $asan/fuzz_$t -runs=0 -timeout=$timeout -rss_limit_mb=2048 -artifact_prefix=$asan/crashes/$t- \
    $asan/corpus/$t tests/fuzz/corpus/$t $seeds > $asan/$t.replay.log 2>&1
  arc=$?
  if [ $rc = 0 ] && [ $arc = 0 ]; then verdict="no crash"; else verdict="CRASH (fast exit $rc, asan replay exit $arc)"; fail=1; fi
  line="$(date -u +%FT%TZ) $commit fuzz_$t: ${n:-?} inputs in ${secs} s (${rate:-?}/s, fast build, $workers worker(s)), corpus $size, ASan replay of the corpus: exit $arc; $verdict"
  echo "$line" | tee -a $asan/campaign.txt
  [ $rc = 0 ] || cat $logs | grep -E 'ERROR|SUMMARY|property failed|Test unit written' | head -n 8
  [ $arc = 0 ] || grep -E 'ERROR|SUMMARY|property failed|Test unit written' $asan/$t.replay.log | head -n 8
done
exit $fail
