"""How long a student waits for the numpy checks: importing ``autograder.checks`` and running one
check.

Each measurement runs in a fresh interpreter (so nothing is cached in ``sys.modules``) and also
reports whether TensorFlow or PyTorch got imported, which they must not be for numpy homework.
Wall times depend on how busy the machine is; the CPU times (process_time) much less.

    .venv/bin/python benchmarks/check_import.py [--runs 5] [--json]
"""

import argparse
import json
import statistics
import subprocess
import sys

# Runs in the fresh interpreter: time the import, then one check of a correct LSTM step.
PROBE = r"""
import json, sys, time
started, cpu_started = time.perf_counter(), time.process_time()
import numpy as np
numpy_done, cpu_numpy_done = time.perf_counter(), time.process_time()
from autograder.checks import check_lstm_cell_forward
imported, cpu_imported = time.perf_counter(), time.process_time()

def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):
    i, f, g, o = np.split(x_t @ W_x + h_prev @ W_h + b, 4, axis=1)
    i, f, o = (1 / (1 + np.exp(-a)) for a in (i, f, o))
    c_next = f * c_prev + i * np.tanh(g)
    return o * np.tanh(c_next), c_next, {"i": i, "f": f, "c_tilde": np.tanh(g), "o": o}

check_lstm_cell_forward(lstm_cell_forward)  # the visible cases: hidden ones need the course secret
checked, cpu_checked = time.perf_counter(), time.process_time()
print(json.dumps({"numpy": numpy_done - started, "import_checks": imported - numpy_done,
                  "one_check": checked - imported, "total": checked - started,
                  "cpu_import_checks": cpu_imported - cpu_numpy_done,
                  "cpu_one_check": cpu_checked - cpu_imported,
                  "frameworks_imported": sorted(m for m in ("torch", "tensorflow", "keras")
                                                if m in sys.modules)}))
"""


def measure_once():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="fresh interpreters to measure (median reported)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    runs = [measure_once() for _ in range(args.runs)]
    timings = ("numpy", "import_checks", "one_check", "total", "cpu_import_checks", "cpu_one_check")
    summary = {key: statistics.median(run[key] for run in runs) for key in timings}
    summary["frameworks_imported"] = sorted(
        {name for run in runs for name in run["frameworks_imported"]}
    )
    summary["runs"] = args.runs
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"median of {args.runs} fresh interpreters:")
        print(f"  import numpy               {summary['numpy'] * 1000:7.1f} ms")
        print(
            f"  import autograder.checks   {summary['import_checks'] * 1000:7.1f} ms  (after numpy;"
            f" CPU {summary['cpu_import_checks'] * 1000:.1f} ms)"
        )
        print(
            f"  check_lstm_cell_forward    {summary['one_check'] * 1000:7.1f} ms  (4 hidden cases; "
            f"CPU {summary['cpu_one_check'] * 1000:.1f} ms)"
        )
        print(f"  total                      {summary['total'] * 1000:7.1f} ms")
        print(f"  frameworks imported: {', '.join(summary['frameworks_imported']) or 'none'}")
    return 0 if not summary["frameworks_imported"] and summary["total"] < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
