"""Every select on every portal page says "请选择" for its empty choice, never Django's "---------".

Walks the permission matrix: each page (not the API) once, as a role that may see it, in Chinese. The
defaults are replaced at startup by ``core.choices.install_empty_choice_label``.
"""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from tests.test_permission_matrix import RULES, build_objects, page_url, url_names

pytestmark = pytest.mark.django_db

PREFERENCE = ("staff", "convener", "member", "unit", "leader", "anonymous")


def test_the_empty_choice_of_every_kind_of_select_is_worded():
    from activities.models import PlanItem
    from groups.models import Committee

    with translation.override("zh-hans"):
        assert forms.ModelChoiceField(Committee.objects.none()).empty_label == "请选择"
        blank = PlanItem._meta.get_field("kind").formfield().choices[0]
        assert blank == ("", "请选择")
        from django_filters import ChoiceFilter

        assert ChoiceFilter(choices=[("a", "A")]).field.choices[0][1] == "请选择"
    with translation.override("en"):
        assert forms.ModelChoiceField(Committee.objects.none()).empty_label == "Choose…"


def test_no_portal_page_shows_dashes_for_an_empty_choice(world, settings, tmp_path):
    from django.test import Client

    settings.MEDIA_ROOT = str(tmp_path / "media")
    users = {
        "anonymous": None,
        "member": world.member,
        "convener": world.convener,
        "unit": world.unit_user,
        "staff": world.staff,
        "leader": world.leader,
    }
    objects = build_objects(world)
    clients = {}
    for role, user in users.items():
        clients[role] = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if user is not None:
            clients[role].force_login(user)
    dashed, checked, worded = [], 0, 0
    for name in sorted(url_names()):
        rule = RULES[name]
        role = next((r for r in PREFERENCE if r in rule.ok), None)
        if rule.api or rule.post_only or role is None:
            continue
        url = page_url(name, world, objects)
        response = clients[role].get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        checked += 1
        worded += "请选择" in body
        if "---------" in body:
            dashed.append(f"{name} ({url}) as {role}")
    assert not dashed, "'---------' as the empty choice on: " + ", ".join(dashed)
    assert checked > 40 and worded >= 3, (checked, worded)


def test_no_code_spells_the_empty_choice_as_dashes():
    """The unit's reply form wrote its own ``("", "---------")`` past the installed default: choices built by hand
    use ``core.choices.EMPTY_CHOICE_LABEL`` too."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = [
        f"{p.relative_to(root)}:{n}"
        for p in root.glob("*/**/*.py")
        if not {"tests", ".venv", "migrations", "var"} & set(p.relative_to(root).parts)
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if '("", "---------")' in line.replace("'", '"')
    ]
    assert found == []
