"""Combine the outputs of a class graded in shards (``grade --shard i/N``) into one.

Each shard's output folder holds ``grades.csv``, ``feedback/``, ``grading.log`` and
``grading.json``. Merging checks that the shards belong together (same assignment, same grader
and limits, all N present, no student twice) before writing one CSV, one feedback folder and one
log, so a missing or stale shard is an error rather than a silently short grade list.
"""

import json
import shutil
from pathlib import Path

from .course import CourseError
from .results import CSV_NAME, LOG_NAME, MANIFEST_NAME, read_csv, write_atomically


def merge(sources, out_dir):
    """Merge shard outputs (folders, or their grades.csv files) into ``out_dir``. Returns the row
    count.
    """
    shards = [_shard(Path(source)) for source in sources]
    if not shards:
        raise CourseError("merge needs at least one shard's output")
    header = shards[0]["header"]
    for shard in shards[1:]:
        if shard["header"] != header:
            raise CourseError(
                f"{shard['csv']} has columns {shard['header']}, unlike {shards[0]['csv']}"
            )
    _check_manifests([s["manifest"] for s in shards if s["manifest"]], len(shards))
    rows, owner = [], {}
    for shard in shards:
        for row in shard["rows"]:
            if row[0] in owner:
                raise CourseError(f"student {row[0]} is in both {owner[row[0]]} and {shard['csv']}")
            owner[row[0]] = shard["csv"]
            rows.append(row)
    out = Path(out_dir)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *sorted(rows)])
    write_atomically(out / CSV_NAME, buffer.getvalue())
    logs = []
    for shard in shards:
        folder = shard["csv"].parent
        for page in (folder / "feedback").glob("*.html"):
            if page.stem in owner and folder.resolve() != out.resolve():
                shutil.copyfile(page, out / "feedback" / page.name)
        if (folder / LOG_NAME).exists():
            logs.append((folder / LOG_NAME).read_text())
    write_atomically(out / LOG_NAME, "".join(logs))
    return len(rows)


def _shard(source):
    csv_path = source / CSV_NAME if source.is_dir() else source
    if not csv_path.is_file():
        raise CourseError(f"{source} is neither a grades.csv nor a folder holding one")
    header, rows = read_csv(csv_path)
    manifest_path = csv_path.parent / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    return {"csv": csv_path, "header": header, "rows": rows, "manifest": manifest}


def _check_manifests(manifests, given):
    if not manifests:
        return
    first = manifests[0]
    for manifest in manifests:
        for key in ("assignment", "fingerprint"):
            if manifest[key] != first[key]:
                raise CourseError(
                    f"the shards differ in {key}: grade them all with the same course and limits"
                )
    counts = {tuple(m["shard"])[1] if m["shard"] else 1 for m in manifests}
    if len(counts) != 1:
        raise CourseError(f"the shards were cut into different numbers of slices: {sorted(counts)}")
    (count,) = counts
    present = sorted(tuple(m["shard"])[0] if m["shard"] else 1 for m in manifests)
    if present != list(range(1, count + 1)) or given != count:
        missing = sorted(set(range(1, count + 1)) - set(present))
        raise CourseError(
            f"expected shards 1..{count} once each; "
            + (f"missing {', '.join(map(str, missing))}" if missing else f"got {present}")
        )
