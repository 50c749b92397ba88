"""The language menu names each language in its own language, whatever the page's language."""

import pytest


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.django_db
def test_the_language_menu_names_each_language_in_its_own_language(client, world, language):
    client.force_login(world.member)
    client.cookies["django_language"] = language
    body = client.get("/", follow=True).content.decode()
    assert 'data-testid="language-en"' in body
    assert ">English</button>" in body and ">简体中文</button>" in body
    assert "英语" not in body and "Simplified Chinese" not in body
