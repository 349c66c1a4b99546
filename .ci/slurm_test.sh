#!/usr/bin/env bash
# The SLURM profile against a real cluster: start a single-node SLURM cluster on this machine
# (Debian's slurm-wlm and munge, as root), run the profile tests (tables, and a small
# multiverse once the models stage exists, each compared with the local run), stop the cluster.
# Needs root, apt access if slurm-wlm is not installed yet, and the venv (make install).
set -euo pipefail
cd "$(dirname "$0")/.."
export COPROD_DATA_MIRROR="${COPROD_DATA_MIRROR:-../shared/data/raw}"
MARK="# coprod single-node test cluster"
CONF=/etc/slurm/slurm.conf

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
  echo "slurm_test: $CONF exists and is not ours; refusing to replace a real cluster's config" >&2
  exit 1
fi

work="$(mktemp -d /tmp/coprod-slurm.XXXXXX)"
mkdir -p "$work/spool" "$work/state" "$work/log"
started_munge=""

stop() {
  for pidfile in "$work/state/slurmd.pid" "$work/state/slurmctld.pid" $started_munge; do
    if [ -s "$pidfile" ]; then
      pid="$(cat "$pidfile")"
      if kill -0 "$pid" 2>/dev/null; then kill "$pid"; fi
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
  done
  rm -f "$CONF"
  rm -rf "$work"
}
trap stop EXIT

# Job steps (srun inside sbatch) read the default config path, so the file goes there.
node="$(slurmd -C | head -n 1) State=UNKNOWN"
cat > "$CONF" <<EOF
$MARK (written by .ci/slurm_test.sh, removed when it ends)
ClusterName=coprod
SlurmctldHost=$(hostname -s)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldPidFile=$work/state/slurmctld.pid
SlurmdPidFile=$work/state/slurmd.pid
SlurmdSpoolDir=$work/spool
StateSaveLocation=$work/state
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=300
$node
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

if ! munge -n >/dev/null 2>&1; then
  mkdir -p /run/munge && chown munge:munge /run/munge
  munged --force --pid-file "$work/state/munged.pid"
  started_munge="$work/state/munged.pid"
fi
slurmctld
slurmd
for _ in $(seq 60); do
  sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix)' && break
  sleep 1
done
if ! srun --quiet hostname >/dev/null; then
  echo "slurm_test: the cluster does not run jobs; logs follow" >&2
  tail -n 30 "$work/log/slurmctld.log" "$work/log/slurmd.log" >&2
  exit 1
fi

.venv/bin/python -m pytest tests/workflow/test_profiles.py -m slurm -q -rs
