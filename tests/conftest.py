"""Shared pytest setup: the --update-golden flag and paths to test projects."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
PROJECT = TESTS.parent
SEED_JSON = FIXTURES / "facial-nerve-hemispasm.en.wp.json"

sys.path.insert(0, str(TESTS))  # tests import their helpers (validators, ...) directly


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite golden files from the current output (review the diff by hand).",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def check_golden(path: Path, actual: str, update: bool) -> None:
    """Compare ``actual`` with the golden file; rewrite it with --update-golden."""
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not update:
            pytest.fail(f"golden {path} did not exist; written now: review it and commit")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from golden {path}; run 'make golden' and review the diff"


@pytest.fixture(scope="session")
def shipped_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every output of the shipped content/, built once per session (drafts included)."""
    import os

    from benech_publish import Options, build

    out = tmp_path_factory.mktemp("shipped") / "out"
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1767225600"  # 2026-01-01
    try:
        build(PROJECT / "content", out, Options(include_drafts=True))
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return out
