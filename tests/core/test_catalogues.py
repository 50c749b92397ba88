"""``make messages`` run on a clean checkout changes nothing (#21)."""

from core import i18n

HEADER = 'msgid ""\nmsgstr ""\n"POT-Creation-Date: {}"\n\n'
CONTACT = 'msgid "Contact"\nmsgstr "联系方式"\n\n'
CHOOSE = 'msgid "Choose…"\nmsgstr "请选择"\n\n'
OLD = HEADER.format("2026-11-21 18:14+0800\\n")
NEW = HEADER.format("2026-12-05 09:36+0800\\n")


def test_a_catalogue_whose_entries_did_not_change_is_kept_whatever_its_date_and_order():
    assert i18n.same_entries(OLD + CONTACT + CHOOSE, NEW + CONTACT + CHOOSE)
    assert i18n.same_entries(OLD + CHOOSE + CONTACT, NEW + CONTACT + CHOOSE)  # an entry added by hand at the end
    assert i18n.same_entries(OLD + CONTACT, NEW + "#, python-format\n" + CONTACT)  # a flag gettext derives


def test_a_catalogue_with_a_new_a_gone_or_a_changed_entry_is_rewritten():
    assert not i18n.same_entries(OLD + CONTACT, NEW + CONTACT + CHOOSE)
    assert not i18n.same_entries(OLD + CONTACT + CHOOSE, NEW + CONTACT)
    assert not i18n.same_entries(OLD + CONTACT, NEW + CONTACT.replace("联系方式", "联系"))
    assert not i18n.same_entries(OLD + CONTACT, NEW + "#, fuzzy\n" + CONTACT)
