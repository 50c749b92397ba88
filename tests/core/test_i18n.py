"""The product reads as native Chinese: every string is in a catalogue and translated."""
import shutil

import polib
import pytest
from django.utils import translation

from core import i18n
from tests.conftest import ROOT


@pytest.mark.parametrize("po_path", i18n.catalogue_paths(ROOT), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_catalogue_entry_is_translated_and_compiled(po_path):
    assert po_path.exists()
    assert i18n.untranslated(po_path) == []
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(po_path.with_suffix(".mo")))}
    source = {e.msgid: e.msgstr for e in polib.pofile(str(po_path)) if not e.obsolete and not e.msgid_plural}
    assert source.items() <= compiled.items(), "run `make messages` to compile the catalogue"


def test_no_source_string_is_missing_from_the_catalogues(tmp_path):
    copy = tmp_path / "tree"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "test-artifacts", "node_modules"))
    i18n.extract(copy)
    for fresh, committed in zip(i18n.catalogue_paths(copy), i18n.catalogue_paths(ROOT), strict=True):
        translated = {e.msgid for e in polib.pofile(str(committed)) if e.msgstr or e.msgstr_plural.get(0)}
        missing = {e.msgid for e in polib.pofile(str(fresh))} - translated
        assert not missing, f"untranslated in {committed.relative_to(ROOT)}: {sorted(missing)}"


def test_pages_are_chinese_whatever_the_browser_asks_and_english_on_request(client, db, settings):
    assert "登录" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True)
    assert "Log in" in response.content.decode()
    with translation.override("zh-hans"):
        assert str(translation.gettext("My groups")) == "我的活动组"
