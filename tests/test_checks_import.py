"""Numpy homework stays light: the checks import without TensorFlow or PyTorch and answer
quickly.
"""

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "check_import.py"


def test_checks_import_no_framework_and_run_well_under_a_second():
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), "--runs", "1", "--json"], capture_output=True, text=True
    )
    summary = json.loads(result.stdout)
    assert summary["frameworks_imported"] == []
    # numpy's own import is the student's anyway; ours plus one check must stay a small part of a
    # second of CPU (wall time on a shared CI machine would make the test flaky)
    assert summary["cpu_import_checks"] + summary["cpu_one_check"] < 0.5, summary
