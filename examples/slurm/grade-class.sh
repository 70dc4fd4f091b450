#!/bin/bash
# Grade a class on Slurm: an array of N shards, then one merge job that runs when all succeeded.
#   examples/slurm/grade-class.sh ASSIGNMENT SUBMISSIONS OUT [SHARDS [SBATCH OPTIONS FOR THE SHARDS...]]
#   examples/slurm/grade-class.sh ps01 /shared/ps01-export.zip /shared/ps01-grades 8
#   examples/slurm/grade-class.sh ps01 /shared/ps01-export.zip /shared/ps01-grades 8 --partition=cpu --mem=4G
# Options after SHARDS override the #SBATCH lines of grade-shard.sbatch (--cpus-per-task sets the
# workers per shard). The course checkout is the one holding this script (or $COURSE_DIR), its
# Python .venv/bin/python (or $PYTHON); both, and SUBMISSIONS and OUT, must be on shared storage.
#
# If a shard fails or is cancelled, the merge waits (it is never killed for its dependency):
# `scontrol requeue JOB_i` runs that shard again, regrading only its students not yet settled;
# it re-arms the merge, which follows. Re-running this script also regrades only what is missing
# or changed.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '3,5p' "$0" >&2
  exit 2
fi
assignment=$1 submissions=$2 out=$3 shards=${4:-8}
shift $(( $# < 4 ? $# : 4 ))
here=$(cd "$(dirname "$0")" && pwd)
export COURSE_DIR=${COURSE_DIR:-$(cd "$here/../.." && pwd)}
export PYTHON=${PYTHON:-$COURSE_DIR/.venv/bin/python}
mkdir -p "$out"
out=$(cd "$out" && pwd)
array=$(sbatch --parsable --array="1-$shards" "$@" "$here/grade-shard.sbatch" "$assignment" "$submissions" "$out")
array=${array%%;*}  # --parsable prints "id;cluster" on a multi-cluster setup
shard_dirs=$(printf "'$out/shard-%d' " $(seq 1 "$shards"))
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=no \
    --job-name="grade-merge-$array" \
    --cpus-per-task=1 --output="grade-merge-%j.out" \
    --wrap "cd '$COURSE_DIR' && '$PYTHON' -m autograder merge $shard_dirs--out '$out'")
merge=${merge%%;*}
echo "queued the shards as job $array and the merge as job $merge; grades will be in $out/grades.csv"
