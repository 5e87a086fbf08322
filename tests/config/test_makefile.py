"""README "Tests": `make test PYTHON=… VENV=…` runs the suite on another Python, in its own virtualenv."""

import shutil
import subprocess

import pytest

from tests.config.helpers import BASE_DIR, clean_env

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def test_make_test_takes_the_python_and_its_virtualenv(tmp_path):
    venv = tmp_path / "venv-3.13"

    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "test",
            "PYTHON=python3.13",
            f"VENV={venv}",
            "PYTEST_ARGS=tests/api",
        ],
        cwd=BASE_DIR,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    commands = result.stdout.splitlines()
    assert f"python3.13 -m venv {venv}" in commands
    assert f'{venv}/bin/python -m pip install --quiet -e ".[dev]"' in commands
    assert commands[-1] == f"{venv}/bin/python -m pytest tests/api"
    assert not venv.exists()  # -n: printed, not run


def test_the_extra_virtualenvs_are_ignored_by_git():
    if shutil.which("git") is None or not (BASE_DIR / ".git").exists():
        pytest.skip("not a git checkout")

    paths = [".venv/bin/python", ".venv-3.13/bin/python"]
    ignored = subprocess.run(
        ["git", "check-ignore", *paths], cwd=BASE_DIR, capture_output=True, text=True, check=False
    )

    assert ignored.stdout.splitlines() == paths
