"""A non-editable install ships the scenarios, mechanisms and seeds and runs from any folder.

The wheel is built from a copy of the sources, installed with ``--no-deps`` into a fresh
virtualenv whose dependencies come from this environment through a ``.pth`` file (no
download), and the main commands run there from an empty temporary folder, with the
checkout on no path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import ROOT


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(python of the fresh virtualenv, an empty working folder, the environment to use)."""
    tmp = tmp_path_factory.mktemp("package")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("model", "scenarios", "seeds"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    build = _run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta; "
            "print(build_meta.build_wheel(sys.argv[1]))",
            str(tmp / "dist"),
        ],
        src,
        env,
    )
    assert build.returncode == 0, build.stderr
    wheel = tmp / "dist" / build.stdout.strip().splitlines()[-1]

    fresh = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, env
    ).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    install = _run([*pip, "--no-deps", "--no-index", str(wheel)], tmp, env)
    assert install.returncode == 0, install.stderr
    work = tmp / "work"
    work.mkdir()
    return python, work, env


def test_installed_package_is_the_fresh_one_not_the_checkout(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    python, work, env = installed
    code = (
        "import sys, model, model.base.paths as p; "
        "print(model.__file__); print(p.SCENARIOS_DIR); print('\\n'.join(sys.path))"
    )
    out = _run([str(python), "-c", code], work, env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert Path(lines[0]).is_relative_to(python.parent.parent)
    assert Path(lines[1]).is_relative_to(python.parent.parent)
    assert not any((work / entry).resolve() == ROOT for entry in lines[2:])


def test_installed_simulate_check_trace_and_load_from_any_folder(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    python, work, env = installed
    simulate = _run([str(python), "-m", "model.simulate"], work, env)
    assert simulate.returncode == 0, simulate.stderr
    assert simulate.stdout.startswith("Three-stage truce discussed at the Cairo talks")
    check = _run([str(python), "-m", "model.check", "scenarios/november_truce.yaml"], work, env)
    assert check.returncode == 0, check.stderr + check.stdout
    trace = _run([str(python), "-m", "model.trace"], work, env)  # no --coverage needed
    assert trace.returncode == 0, trace.stderr
    assert "coverage" in trace.stdout.lower()
    code = (
        "from model import load; "
        "print(load('scenarios/cairo_three_stage_truce.yaml').id, load('november_truce').id)"
    )
    loaded = _run([str(python), "-c", code], work, env)
    assert loaded.stdout.split() == ["cairo_three_stage_truce", "november_truce"], loaded.stderr
    assert list(work.iterdir()) == []  # nothing written into the working folder


def test_a_path_in_the_working_directory_comes_before_a_shipped_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from model.analysis.parallel import ScenarioSource
    from model.base.paths import SCENARIOS_DIR, find_scenario
    from model.scenario.loader import load

    monkeypatch.chdir(tmp_path)
    shipped = SCENARIOS_DIR / "november_truce.yaml"
    for name in ("scenarios/november_truce.yaml", "november_truce.yaml", "november_truce"):
        assert find_scenario(name) == shipped
    assert load("november_truce").id == "november_truce"
    assert ScenarioSource.from_file("scenarios/november_truce.yaml").path == str(shipped)
    for name in ("scenarios/missing.yaml", "../scenarios/november_truce.yaml", "/nope.yaml"):
        assert find_scenario(name) == Path(name)  # left for the reader to report as missing
    (tmp_path / "scenarios").mkdir()
    local = tmp_path / "scenarios" / "november_truce.yaml"
    local.write_text(shipped.read_text().replace("id: november_truce", "id: local_copy"))
    assert find_scenario("scenarios/november_truce.yaml") == Path("scenarios/november_truce.yaml")


def test_ci_uses_its_own_virtualenv_and_never_deletes_the_users() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line for line in ci.splitlines() if line and not line.startswith("#")]
    assert not any(".venv" in line and "rm " in line for line in commands)
    assert not any(line.startswith("rm ") for line in commands)
    assert "python3 -m venv .ci-venv" in commands and ". .ci-venv/bin/activate" in commands
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert {".venv/", "site/", ".ci-venv/"} <= set(ignored)
