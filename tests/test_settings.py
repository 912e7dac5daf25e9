import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "DATABASE_URL", "REDIS_URL"}
    }
    base.update(
        {
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "PALAVER_QUIET": "1",
        }
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import palaver.settings as s; print('DEBUG', s.DEBUG)"],
        env=base,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_in_production():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is missing or insecure" in result.stderr


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "x" * 40, "a" * 50])
def test_it_refuses_a_weak_secret_key_in_production(key: str):
    result = load_settings(DEBUG="false", SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_starts_with_a_real_secret_key():
    result = load_settings(DEBUG="false", SECRET_KEY="k3y-" + "abcdefghij" * 4)
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_it_reads_the_secret_key_from_a_file(tmp_path: Path):
    secret = tmp_path / "key"
    secret.write_text("file-" + "qwertyuiop" * 4 + "\n")
    result = load_settings(DEBUG="false", SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr


def test_it_rejects_a_malformed_boolean():
    result = load_settings(DEBUG="maybe", SECRET_KEY="k3y-" + "abcdefghij" * 4)
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_importing_settings_starts_nothing_and_writes_nothing(tmp_path: Path):
    # Type checkers, editors and Celery import settings: that must never spawn servers.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL", "REDIS_URL"}
        and key != "PALAVER_EMBEDDED"
    }
    env["PALAVER_DATA_DIR"] = str(tmp_path / "data")
    code = (
        "import os, django, subprocess;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'palaver.settings';"
        "django.setup();"
        "import palaver.celery;"
        "children = subprocess.run(['ps', '--ppid', str(os.getpid()), '-o', 'pid='],"
        " capture_output=True, text=True).stdout.split();"
        "print('children', len(children) - 1)"  # the ps itself
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "children 0" in result.stdout
    assert not (tmp_path / "data").exists()
    assert list(tmp_path.iterdir()) == []


def test_the_packages_import_from_anywhere_without_path_edits(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-c", "import palaver, embed, tenants; print(palaver.__name__)"],
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr


def test_no_module_edits_sys_path():
    # The project is installed (pyproject.toml maps platform/palaver); path hacks hide that.
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("platform", "embed", "tenants", "bin", "bench", "deploy")
        for path in (ROOT / folder).rglob("*.py")
        if "sys.path" in path.read_text()
    ]
    offenders += ["manage.py"] if "sys.path" in (ROOT / "manage.py").read_text() else []
    assert offenders == []
