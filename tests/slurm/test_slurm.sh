#!/usr/bin/env bash
# A real single-node Slurm cluster (Debian's slurmctld, slurmd and munge) runs a dolab sweep as
# a job array.  Needs root and apt-get (it installs slurm-wlm and munge when they are missing);
# elsewhere it says why it is skipped.  Every wait has a timeout; the daemons it starts are
# stopped by their process ids, after the queue is empty (a running step outlives slurmd).
cd "$(dirname "$0")/../.." || exit 1
. tests/cli/lib.sh
skip() { echo "test_slurm.sh: skipped: $*"; echo "0 passed, 0 failed"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (to install and start munged, slurmctld and slurmd)"
for p in slurmctld slurmd munged sbatch; do
    command -v $p >/dev/null && continue
    command -v apt-get >/dev/null || skip "Slurm is not installed and there is no apt-get"
    echo "test_slurm.sh: installing slurm-wlm and munge" >&2
    { timeout 600 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq slurm-wlm munge; } >&2 ||
        skip "apt-get could not install slurm-wlm and munge"
    break
done

D="$TMP/slurm"
mkdir -p "$D/state" "$D/spool" "$D/log"
HOST=$(hostname -s)
CPUS=$(nproc)
export SLURM_CONF="$D/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=dolabtest
SlurmctldHost=$HOST(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldPort=$((6900 + RANDOM % 200))
SlurmdPort=$((7100 + RANDOM % 200))
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF

pids=()
munge_pid=""
stop_all() {
    # cancel, wait for the queue to empty, then stop the daemons we started (by pid)
    if [ ${#pids[@]} -gt 0 ]; then
        timeout 10 scancel --quiet --user=root 2>/dev/null
        for _ in $(seq 1 100); do
            [ -z "$(timeout 5 squeue -h 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    [ -n "$munge_pid" ] && kill "$munge_pid" 2>/dev/null
    rm -rf "$TMP"
}
trap stop_all EXIT

# munged, as the munge user, with its own socket and pid file
mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
[ -s /etc/munge/munge.key ] || { mungekey --create >/dev/null 2>&1 || dd if=/dev/urandom of=/etc/munge/munge.key bs=128 count=1 2>/dev/null; }
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
M="$D/munge"
chmod 755 "$TMP" "$D"
mkdir -p "$M" && chown munge:munge "$M" && chmod 700 "$M"
MSOCK="$M/munge.socket"
timeout 10 runuser -u munge -- munged --socket="$MSOCK" --pid-file="$M/munged.pid" --log-file="$M/munged.log" --seed-file="$M/munge.seed" --force ||
    { bad "munged did not start: $(tail -n 3 "$M/munged.log" 2>/dev/null)"; finish; exit; }
for _ in $(seq 1 50); do [ -s "$M/munged.pid" ] && break; sleep 0.1; done
munge_pid=$(cat "$M/munged.pid" 2>/dev/null)
[ -n "$munge_pid" ] && ok || bad "munged wrote no pid file"
echo "AuthInfo=socket=$MSOCK" >>"$SLURM_CONF"

t0=$(date +%s.%N)
slurmctld -D -i >"$D/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$HOST" >"$D/log/slurmd.out" 2>&1 &
pids+=($!)
idle=""
for _ in $(seq 1 300); do
    st=$(timeout 5 sinfo -h -n "$HOST" -o %T 2>/dev/null)
    [ "$st" = idle ] && { idle=1; break; }
    sleep 0.1
done
t1=$(date +%s.%N)
if [ -n "$idle" ]; then
    ok
    echo "test_slurm.sh: node idle $(python3 -c "print(f'{$t1 - $t0:.1f}')") s after start" >&2
else
    bad "the node never became idle: $(tail -n 5 "$D/log/slurmctld.log" "$D/log/slurmd.log" 2>/dev/null)"
    finish; exit
fi

cp tests/cli/two_arms.lua "$TMP/two.lua"
R="$TMP/runs"
SW=(sweep "$TMP/two.lua" --seeds 1-2 --quick --name sl --dir "$R" --slurm --partition debug --time 10:00)
expect_status 0 "sweep --slurm" -- timeout 60 $DOLAB "${SW[@]}"
expect_match "job id and how to follow it" "$OUT" '^submitted Slurm job array [0-9]+: 4 of 4 jobs \(1-4\)$'
expect_match "how to follow it" "$OUT" '^follow it:  squeue -j [0-9]+'
id=$(printf '%s\n' "$OUT" | sed -n 's/^submitted Slurm job array \([0-9]*\):.*/\1/p')
t0=$(date +%s.%N)
empty=""
for _ in $(seq 1 600); do
    [ -z "$(timeout 5 squeue -h -j "$id" 2>/dev/null)" ] && { empty=1; break; }
    sleep 0.2
done
t1=$(date +%s.%N)
[ -n "$empty" ] && ok || bad "the job array did not finish in 120 s: $(timeout 5 squeue 2>&1 | head -5)"
echo "test_slurm.sh: 4-task array done in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s" >&2
n=0
for k in 1 2 3 4; do
    f="$R/sl/shards/job-000$k.json"
    python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['entries']; assert len(e)==1 and e[0]['sweep']['job']==$k" "$f" 2>/dev/null && n=$((n + 1))
done
[ "$n" = 4 ] && ok || bad "$n of 4 shards recorded (logs: $(cat "$R"/sl/logs/slurm-*.out 2>/dev/null | tail -n 5))"
ls "$R"/sl/logs/slurm-"$id"_*.out >/dev/null 2>&1 && ok || bad "no Slurm logs in runs/sl/logs"
expect_status 0 "sweep --slurm again" -- timeout 60 $DOLAB "${SW[@]}"
expect_match "nothing left to submit" "$OUT" '^sweep sl: all 4 jobs are done'
expect_status 0 "merge the shards" -- $DOLAB notebook merge "$R/sl/notebook.json" "$R"/sl/shards/*.json
expect_match "merge the shards" "$OUT" '4 entries added'
expect_status 0 "report" -- $DOLAB report "$R/sl/notebook.json"
expect_match "report" "$OUT" '4 runs in 2 arms \(quick runs\)'
finish
