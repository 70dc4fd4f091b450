"""Grading a class on a real Slurm cluster: examples/slurm/grade-class.sh on a single-node cluster.

The test starts Debian's Slurm (slurmctld and slurmd, authenticated by munge) from a configuration
and a munge key in a temporary folder, submits a class of 20 ps01 notebooks in 4 shards, cancels
one shard in the middle of its run with `scancel` and requeues it with `scontrol requeue`, and
checks that the merge job then writes the same grades.csv as one `grade` run on one machine.
Nothing is skipped: if Slurm cannot start, the test fails and says why (tools/install-system-deps
installs slurm-wlm and munge).
"""

import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.grading.grade import in_shard
from helpers import run_grade

pytestmark = pytest.mark.slurm

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb"
STUDENT_COPY = ROOT / "exercises" / "ps01-rnn" / "ps01-rnn.ipynb"
WRONG = ROOT / "tests" / "submissions" / "ps01"
GRADE_CLASS = ROOT / "examples" / "slurm" / "grade-class.sh"
SHARDS = 4
# Shard 1 gets the most students, so that it is still running when it is cancelled.
SIZES = {1: 8, 2: 4, 3: 4, 4: 4}
DAEMONS = ("munged", "slurmctld", "slurmd")


def program(name):
    """The path of a Slurm or munge program (the daemons live in /usr/sbin, off a user's PATH)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    return found and str(found)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A single-node Slurm cluster whose every file lives in ``folder``; ``stop()`` ends it."""

    def __init__(self, folder):
        self.folder = folder
        self.processes = {}
        self.env = {**os.environ, "SLURM_CONF": str(folder / "slurm.conf")}

    def log_tails(self):
        tails = []
        for log in sorted(self.folder.glob("*.log")):
            tails.append(
                f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            )
        return "\n".join(tails)

    def fail(self, reason):
        pytest.fail(f"Slurm did not start: {reason}\n{self.log_tails()}", pytrace=False)

    def start(self):
        missing = [name for name in (*DAEMONS, "sbatch", "scontrol") if not program(name)]
        if missing:
            self.fail(f"{', '.join(missing)} not installed (run tools/install-system-deps)")
        if os.geteuid() != 0:
            self.fail("slurmd and munged run here as root (as in CI); run the test as root")
        self.folder.chmod(0o700)
        key = self.folder / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        munge_socket = self.folder / "munge.socket"
        self._spawn(
            "munged",
            [
                program("munged"),
                "--foreground",
                "--force",
                f"--key-file={key}",
                f"--socket={munge_socket}",
                f"--pid-file={self.folder / 'munged.pid'}",
                f"--log-file={self.folder / 'munged.log'}",
                f"--seed-file={self.folder / 'munged.seed'}",
            ],
        )
        self._wait(lambda: munge_socket.exists(), "munged made no socket", 20)
        node = self._node_line()
        node_name = node.split()[0].split("=")[1]
        host = socket.gethostname().split(".")[0]
        for name in ("state", "spool"):
            (self.folder / name).mkdir()
        (self.folder / "slurm.conf").write_text(
            "\n".join(
                [
                    "ClusterName=grading-test",
                    f"SlurmctldHost={host}(127.0.0.1)",
                    f"SlurmctldPort={free_port()}",
                    f"SlurmdPort={free_port()}",
                    "SlurmUser=root",
                    "SlurmdUser=root",
                    "AuthType=auth/munge",
                    "CredType=cred/munge",
                    # cred_expire is also how long a requeued job waits before it may start
                    # again (slurm.conf(5)); the default 120 s would idle the test for two minutes
                    f"AuthInfo=socket={munge_socket},cred_expire=15",
                    f"StateSaveLocation={self.folder / 'state'}",
                    f"SlurmdSpoolDir={self.folder / 'spool'}",
                    f"SlurmctldPidFile={self.folder / 'slurmctld.pid'}",
                    f"SlurmdPidFile={self.folder / 'slurmd.pid'}",
                    f"SlurmctldLogFile={self.folder / 'slurmctld.log'}",
                    f"SlurmdLogFile={self.folder / 'slurmd.log'}",
                    "ProctrackType=proctrack/linuxproc",
                    "TaskPlugin=task/none",
                    "JobAcctGatherType=jobacct_gather/none",
                    "AccountingStorageType=accounting_storage/none",
                    "JobCompType=jobcomp/none",
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_Core",
                    "SchedulerType=sched/backfill",
                    # look at pending jobs every 2 s, not every 30-60 s: a test waits on them
                    "SchedulerParameters=sched_interval=2,bf_interval=2",
                    "MpiDefault=none",
                    "ReturnToService=2",
                    "MinJobAge=3600",
                    "KillWait=10",
                    f"{node} NodeAddr=127.0.0.1 State=UNKNOWN",
                    (
                        "PartitionName=grading Default=YES MaxTime=INFINITE State=UP "
                        f"Nodes={node_name}"
                    ),
                    "",
                ]
            )
        )
        self._spawn("slurmctld", [program("slurmctld"), "-D", "-i"])
        self._spawn("slurmd", [program("slurmd"), "-D", "-N", node_name])
        self._wait(self._node_is_idle, "the node never became idle", 60)
        return self

    def _node_line(self):
        """This machine's node description from ``slurmd -C`` (CPUs, memory), named ``grader``."""
        run = subprocess.run([program("slurmd"), "-C"], capture_output=True, text=True, timeout=30)
        if run.returncode != 0:
            self.fail(f"slurmd -C: {run.stderr.strip()}")
        line = run.stdout.splitlines()[0]
        return re.sub(r"^NodeName=\S+", "NodeName=grader", line)

    def _spawn(self, name, command):
        log = open(self.folder / f"{name}.out", "w")
        self.processes[name] = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _node_is_idle(self):
        run = self.run("sinfo", "-h", "-N", "-o", "%T", check=False)
        return run.returncode == 0 and run.stdout.strip() == "idle"

    def _wait(self, ready, reason, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    output = (self.folder / f"{name}.out").read_text(errors="replace")
                    self.fail(f"{name} exited with {process.returncode}: {output[-2000:]}")
            if ready():
                return
            time.sleep(0.5)
        self.fail(f"{reason} within {seconds} s")

    def run(self, *command, check=True, **kwargs):
        run = subprocess.run(
            command,
            env=kwargs.pop("env", self.env),
            capture_output=True,
            text=True,
            timeout=60,
            **kwargs,
        )
        if check and run.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)}: {run.stdout}{run.stderr}\n{self.log_tails()}"
            )
        return run

    def job(self, job_id):
        """``scontrol show job`` of one job (or array task) as a dict."""
        text = self.run("scontrol", "show", "job", "-o", str(job_id)).stdout.splitlines()[0]
        return dict(re.findall(r"(\w+)=(\S*)", text))

    def wait_for(self, job_id, states, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["JobState"] in states:
                return job
            time.sleep(1)
        raise AssertionError(
            f"job {job_id} still {job['JobState']} ({job.get('Reason')}) after {seconds} s\n"
            + self.log_tails()
        )

    def stop(self):
        """Cancel what is left (job steps outlive slurmd), then stop the daemons."""
        if self.processes.get("slurmctld") and self.processes["slurmctld"].poll() is None:
            subprocess.run(
                ["scancel", "--full", "--quiet", "--user=root"], env=self.env, timeout=30
            )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                left = subprocess.run(
                    ["squeue", "--noheader", "--states=RUNNING,COMPLETING"],
                    env=self.env,
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
                if left.returncode != 0 or not left.stdout.strip():
                    break
                time.sleep(1)
        for name in reversed(DAEMONS):
            process = self.processes.get(name)
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = Cluster(tmp_path_factory.mktemp("slurm"))
    try:
        yield running.start()
    finally:
        running.stop()


def make_class(folder):
    """20 students: the solution, the blank copy and the wrong submissions in turn, with ids
    picked so that shard i of 4 holds SIZES[i] of them."""
    kinds = [SOLUTION, STUDENT_COPY, *sorted(WRONG.glob("*.ipynb"))]
    folder.mkdir()
    wanted, number = dict(SIZES), 0
    while any(wanted.values()):
        student = f"s{number:03d}"
        number += 1
        shard = next(i for i in range(1, SHARDS + 1) if in_shard(student, (i, SHARDS)))
        if wanted[shard]:
            wanted[shard] -= 1
            shutil.copyfile(kinds[number % len(kinds)], folder / f"{student}.ipynb")
    return folder


def rows(grades):
    with open(grades, newline="") as handle:
        return list(csv.reader(handle))


def settled(shard_out):
    return len(list((shard_out / ".grading" / "results").glob("*.json")))


def test_slurm_grades_a_class_in_shards_and_survives_a_cancelled_shard(cluster, tmp_path):
    submissions = make_class(tmp_path / "class")
    single = tmp_path / "single"
    run = run_grade("ps01", submissions, single, "--workers", "2", timeout=1200)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]

    out, jobs = tmp_path / "grades", tmp_path / "jobs"
    jobs.mkdir()
    env = {**cluster.env, "COURSE_DIR": str(ROOT), "PYTHON": sys.executable}
    queued = cluster.run(
        str(GRADE_CLASS),
        "ps01",
        str(submissions),
        str(out),
        str(SHARDS),
        "--cpus-per-task=1",
        "--mem=2G",
        cwd=jobs,
        env=env,
    ).stdout
    array, merge = re.search(r"shards as job (\d+) and the merge as job (\d+)", queued).groups()

    # Cancel shard 1 once it has settled some of its students, but not all.
    shard_1 = out / "shard-1"
    deadline = time.monotonic() + 600
    while not (shard_1 / ".grading" / "results").is_dir() or settled(shard_1) == 0:
        assert time.monotonic() < deadline, (
            "shard 1 settled no student in 600 s\n" + cluster.log_tails()
        )
        time.sleep(0.5)
    cluster.run("scancel", f"{array}_1")
    cancelled = cluster.wait_for(f"{array}_1", {"CANCELLED"}, 60)
    assert 0 < settled(shard_1) < SIZES[1] and not (shard_1 / "grades.csv").exists(), cancelled
    for task in range(2, SHARDS + 1):
        cluster.wait_for(f"{array}_{task}", {"COMPLETED"}, 900)
    waiting = cluster.job(merge)
    assert waiting["JobState"] == "PENDING", waiting

    cluster.run("scontrol", "requeue", f"{array}_1")
    done = cluster.wait_for(merge, {"COMPLETED", "FAILED", "CANCELLED"}, 900)
    merge_log = (jobs / f"grade-merge-{merge}.out").read_text()
    assert done["JobState"] == "COMPLETED", merge_log
    assert rows(out / "grades.csv") == rows(single / "grades.csv")
    assert len(rows(out / "grades.csv")) == 1 + sum(SIZES.values())
    assert sorted(p.name for p in (out / "feedback").glob("*.html")) == sorted(
        p.name for p in (single / "feedback").glob("*.html")
    )
    # The requeued shard regraded only the students its cancelled run had not settled.
    shard_log = (jobs / f"grade-shard-{array}_1.out").read_text()
    resumed = re.findall(r"graded (\d+) submissions, (\d+) not graded, (\d+) unchanged", shard_log)
    assert len(resumed) == 1 and int(resumed[0][2]) > 0, shard_log
