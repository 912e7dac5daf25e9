"""The API's contracts as code: error codes, their catalogue in docs/api.md, and the widget's
use of them."""

import inspect
import re
from pathlib import Path

from rest_framework import exceptions

from core.errors import CATALOGUE, ErrorCode, Refused, error_code

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(
    r"^\| `(?P<code>\w+)` \| (?P<status>\d{3}) \| (?P<meaning>.+?) \|\s*(?P<widget>\w*)\s*\|$"
)


def catalogue_rows() -> dict[str, tuple[int, str, bool]]:
    text = (ROOT / "docs" / "api.md").read_text()
    rows = {}
    for line in text.splitlines():
        if match := ROW.match(line):
            rows[match["code"]] = (
                int(match["status"]),
                match["meaning"],
                match["widget"] == "yes",
            )
    return rows


def test_every_code_has_a_catalogue_entry():
    assert set(CATALOGUE) == set(ErrorCode)


def test_the_docs_catalogue_lists_every_code_with_its_status_and_meaning():
    rows = catalogue_rows()
    assert {code: row[:2] for code, row in rows.items()} == {
        code.value: (info.status, info.meaning) for code, info in CATALOGUE.items()
    }


def test_the_codes_the_widget_matches_are_catalogued_and_in_its_source():
    widget_source = "\n".join(
        path.read_text()
        for path in (ROOT / "widget").rglob("*.js")
        if "node_modules" not in path.parts
    )
    matched = [code for code, row in catalogue_rows().items() if row[2]]
    assert matched, "the widget matches some codes by string; the catalogue marks them"
    for code in matched:
        assert f"{code}:" in widget_source or f'"{code}"' in widget_source, code


def test_every_code_drf_raises_is_one_of_ours():
    raised = {
        cls.default_code
        for _, cls in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(cls, exceptions.APIException) and cls is not exceptions.APIException
    }
    assert raised <= {code.value for code in ErrorCode}


def test_an_unknown_code_is_answered_with_the_generic_code_of_its_status():
    assert error_code("parse_error", 400) is ErrorCode.PARSE_ERROR
    assert error_code("mystery", 403) is ErrorCode.PERMISSION_DENIED
    assert error_code({"field": ["invalid"]}, 400) is ErrorCode.INVALID


def test_a_refusal_takes_its_status_from_the_catalogue():
    assert Refused(ErrorCode.THREAD_CLOSED, "closed").status == 403
    assert Refused(ErrorCode.THROTTLED, "slow down").status == 429
