"""``make messages`` run on a clean checkout changes nothing (#21)."""

from core import i18n

HEADER = 'msgid ""\nmsgstr ""\n"POT-Creation-Date: {}"\n\nmsgid "Contact"\nmsgstr "联系方式"\n'


def test_a_catalogue_whose_entries_did_not_change_keeps_its_creation_date():
    old = HEADER.format("2026-11-21 18:14+0800\\n")
    new = HEADER.format("2026-12-05 09:36+0800\\n")
    assert i18n.keep_date(old, new) == old


def test_a_catalogue_with_a_new_entry_is_rewritten():
    old = HEADER.format("2026-11-21 18:14+0800\\n")
    new = HEADER.format("2026-12-05 09:36+0800\\n") + 'msgid "Choose…"\nmsgstr "请选择"\n'
    assert i18n.keep_date(old, new) != old
