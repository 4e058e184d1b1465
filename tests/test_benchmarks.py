"""The benchmark scripts are run by hand, not by the suite: this keeps them importable, so a
rename in the platform cannot leave one broken until someone next measures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "benchmarks").glob("*.py"))


def test_there_are_benchmark_scripts() -> None:
    assert {path.name for path in SCRIPTS} >= {"run.py", "concurrency.py"}


def test_every_benchmark_script_loads() -> None:
    """Each script's top level (its imports of the platform and of its sibling scripts) runs
    without its `main`; one process for all of them (the platform is imported once)."""
    program = (
        "import os, runpy, sys\n"
        "failed = []\n"
        "for path in sys.argv[1:]:\n"
        "    sys.path.insert(0, os.path.dirname(path))  # as `python benchmarks/NAME.py` has it\n"
        "    try:\n"
        "        runpy.run_path(path, run_name='benchmark_import_check')\n"
        "    except BaseException as exc:\n"
        "        failed.append(f'{path}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", program, *map(str, SCRIPTS)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
