"""examples/kubernetes/grade-class.yaml against the Kubernetes API schemas, offline (no cluster).

The schemas are the batch/v1 Job's as published for each Kubernetes release, shipped inside the
kubernetes-validate package; strict mode rejects fields the API does not know. Beyond the schema,
the shard Job and the merge Job must agree with each other: N completions, N parallel pods, each pod
grading shard JOB_COMPLETION_INDEX + 1 of N with as many workers as it has CPUs, and a merge over
the N shard folders on the same volume.
"""

import copy
import re
from pathlib import Path

import pytest
import yaml
from kubernetes_validate import ValidationError, validate

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "examples" / "kubernetes" / "grade-class.yaml"
# The manifest's comment states the oldest release it needs (for the pod's appArmorProfile field).
OLDEST, NEWEST = "1.30", "1.37"


def documents():
    return {
        doc["metadata"]["labels"]["step"]: doc
        for doc in yaml.safe_load_all(MANIFEST.read_text())
        if doc
    }


def container(job):
    (only,) = job["spec"]["template"]["spec"]["containers"]
    return only


def script(job):
    return " ".join(container(job)["args"])


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
@pytest.mark.parametrize("step", ["shards", "merge"])
def test_each_job_is_valid_for_the_kubernetes_releases_it_names(step, version):
    job = documents()[step]
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    assert validate(job, version, strict=True) == version


def test_the_oldest_release_is_the_one_the_manifest_names():
    assert f"Kubernetes {OLDEST} or newer" in MANIFEST.read_text()
    with pytest.raises(ValidationError, match="appArmorProfile"):
        validate(documents()["shards"], "1.29", strict=True)


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("spec", "completionMod"), "Indexed", "completionMod"),  # a misspelt field
        (("spec", "completions"), "eight", "'eight' is not of type 'integer'"),
        (("spec", "template", "spec", "restartPolicy"), ["Never"], "is not of type 'string'"),
    ],
)
def test_the_schema_check_rejects_a_broken_job(path, value, message):
    job = copy.deepcopy(documents()["shards"])
    node = job
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValidationError, match=re.escape(message)):
        validate(job, NEWEST, strict=True)


def test_the_shard_job_is_an_indexed_job_of_n_shards():
    shards = documents()["shards"]
    spec = shards["spec"]
    assert (
        spec["completionMode"] == "Indexed"
    )  # backoffLimitPerIndex and JOB_COMPLETION_INDEX need it
    count = spec["completions"]
    assert spec["parallelism"] == count and spec["backoffLimitPerIndex"] >= 1
    command = script(shards)
    assert "shard=$((JOB_COMPLETION_INDEX + 1))" in command
    assert (
        f"--shard $shard/{count}" in command and "--out /data/ps01-grades/shard-$shard" in command
    )
    resources = container(shards)["resources"]
    workers = int(re.search(r"--workers (\d+)", command).group(1))
    assert (
        resources["requests"] == resources["limits"]
        and int(resources["requests"]["cpu"]) == workers
    )


def test_the_merge_reads_every_shard_from_the_same_volume():
    shards, merge = documents()["shards"], documents()["merge"]
    assert "autograder merge /data/ps01-grades/shard-* --out /data/ps01-grades" in script(merge)
    for job in (shards, merge):
        pod = job["spec"]["template"]["spec"]
        assert pod["volumes"] == [
            {"name": "data", "persistentVolumeClaim": {"claimName": "grading-data"}}
        ]
        assert container(job)["volumeMounts"] == [{"name": "data", "mountPath": "/data"}]
        assert pod["restartPolicy"] == "Never" and pod["automountServiceAccountToken"] is False
    assert container(shards)["image"] == container(merge)["image"]
