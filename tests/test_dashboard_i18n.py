"""The dashboard's languages: every string its templates and views mark is translated in every
language of settings.LANGUAGES, the compiled catalogues match their sources, and a reader's
Accept-Language picks the language (right to left for Arabic and Hebrew) on the dashboard
only, never on the widget's API."""

import ast
import re
from collections.abc import Callable
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils.translation import to_locale
from django.utils.translation.template import templatize

from tenants.models import Tenant
from tests.conftest import PAGE

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "embed" / "locale"
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]
GETTEXT_IN_TEMPLATE = re.compile(r"""\bn?gettext\((u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))""")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def marked_strings() -> set[str]:
    """Every msgid the dashboard marks: {% translate %} and {% blocktranslate %} in its
    templates (as Django's templatize turns them into gettext calls), _() in its views."""
    found = set()
    for path in (ROOT / "embed/templates/dashboard").glob("*.html"):
        code = templatize(path.read_text(), origin=str(path))
        found |= {ast.literal_eval(literal) for literal in GETTEXT_IN_TEMPLATE.findall(code)}
    for path in (ROOT / "embed/dashboard").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def catalogue(code: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / to_locale(code) / "LC_MESSAGES" / "django.po"))


def test_the_dashboard_has_the_widgets_languages() -> None:
    widget = {path.stem for path in (ROOT / "widget/src/locales").glob("*.json")}
    assert {code.split("-")[0] for code, _ in settings.LANGUAGES} == widget
    assert len(settings.LANGUAGES) >= 12


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_marked_string_is_translated(code: str) -> None:
    marked = marked_strings()
    assert len(marked) > 40
    po = catalogue(code)
    entries = {entry.msgid: entry for entry in po if not entry.obsolete}
    missing = marked - set(entries)
    assert not missing, f"{code} lacks {sorted(missing)}: run `make messages` and translate"
    assert set(entries) == marked, f"{code} has strings nobody marks: {set(entries) - marked}"
    assert not po.metadata_is_fuzzy
    for entry in entries.values():
        assert entry.translated() and "fuzzy" not in entry.flags, (code, entry.msgid)
        wanted = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            # A plural form may spell its number out ("the last day"); nothing else is lost.
            assert set(PLACEHOLDER.findall(form)) <= wanted, (code, entry.msgid, form)
            if not entry.msgid_plural:
                assert set(PLACEHOLDER.findall(form)) == wanted, (code, entry.msgid, form)


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalogue_matches_its_source(code: str) -> None:
    source = catalogue(code)
    compiled = polib.mofile(str(LOCALE / to_locale(code) / "LC_MESSAGES" / "django.mo"))
    assert compiled.metadata["Plural-Forms"] == source.metadata["Plural-Forms"]
    as_compiled = {(e.msgid, e.msgstr, tuple(e.msgstr_plural.items())) for e in compiled}
    as_written = {(e.msgid, e.msgstr, tuple(e.msgstr_plural.items())) for e in source}
    assert as_compiled == as_written, f"run `make messages` ({code})"


@pytest.mark.parametrize(
    ("accept", "lang", "direction", "words"),
    [
        ("de-DE,de;q=0.9", "de", "ltr", ["Anmelden", "Passwort"]),
        ("zh-CN,zh;q=0.9", "zh-hans", "ltr", ["登录", "密码"]),
        ("ar", "ar", "rtl", ["تسجيل الدخول", "كلمة المرور"]),
        ("he-IL", "he", "rtl", ["התחברות", "סיסמה"]),
        ("fi-FI,fi;q=0.9", "en", "ltr", ["Log in", "Password"]),
    ],
)
def test_the_login_page_speaks_the_readers_language(
    client_for: Callable[[Tenant], Client],
    alpha: Tenant,
    accept: str,
    lang: str,
    direction: str,
    words: list[str],
) -> None:
    response = client_for(alpha).get("/dashboard/login/", headers={"accept-language": accept})
    html = response.content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in html
    for word in words:
        assert word in html
    assert response["Content-Language"] == lang
    assert "Accept-Language" in response["Vary"]


def test_the_dashboards_chrome_and_actions_are_translated(
    staff_client: Callable[..., Client], alpha: Tenant
) -> None:
    client = staff_client(alpha)
    html = client.get("/dashboard/queue/", headers={"accept-language": "pl"}).content.decode()
    for word in ("Kolejka", "Wątki", "Blokady", "Ustawienia", "Wyloguj", "Skróty klawiszowe"):
        assert word in html
    stats = client.get("/dashboard/stats/", headers={"accept-language": "pl"}).content.decode()
    assert re.search(r"<h1>Ostatnie \d+ dni</h1>", stats)


def test_the_widget_api_is_never_localized(
    client_for: Callable[[Tenant], Client], alpha: Tenant
) -> None:
    client = client_for(alpha)
    thread = client.get(f"/api/v1/thread?url={PAGE}", headers={"accept-language": "de"})
    assert thread.status_code == 200
    assert "Accept-Language" not in thread.get("Vary", "")
    assert not thread.has_header("Content-Language")
    refused = client.post(
        "/api/v1/comments",
        {"body": "No url"},
        content_type="application/json",
        headers={"accept-language": "de"},
    )
    assert refused.status_code == 400
    # DRF's own messages have German translations: the API must not pick them up.
    assert refused.json()["error"]["fields"]["url"] == ["This field is required."]
