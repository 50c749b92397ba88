"""Larger text (大字模式): a POST sets a cookie, every page then carries the class that scales it 1.25×."""

import pytest
from django.urls import reverse

from core.views import TEXT_SIZE_COOKIE

pytestmark = pytest.mark.django_db

LARGE = 'class="portal-large-text"'


def test_larger_text_is_switched_on_and_off_with_a_post_and_comes_back_to_the_page(client_for, world):
    client = client_for(world.member)
    page = reverse("groups:my_page")
    assert LARGE not in client.get(page).content.decode()
    assert 'data-testid="text-size"' in client.get(page).content.decode()

    response = client.post(reverse("text_size"), {"size": "large", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    cookie = response.cookies[TEXT_SIZE_COOKIE]
    assert cookie.value == "large" and cookie["httponly"] and cookie["samesite"] == "Lax"
    body = client.get(page).content.decode()
    assert LARGE in body and 'aria-pressed="true"' in body

    client.post(reverse("text_size"), {"size": "normal", "next": page})
    assert LARGE not in client.get(page).content.decode()


def test_the_login_page_offers_larger_text_to_a_visitor(client):
    client.post(reverse("text_size"), {"size": "large", "next": reverse("login")})
    assert LARGE in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_text_size_goes_back_only_to_a_page_of_the_portal(client, next_url):
    response = client.post(reverse("text_size"), {"size": "large", "next": next_url})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_text_size_takes_no_get(client):
    assert client.get(reverse("text_size") + "?size=large").status_code == 405


def test_the_cached_public_page_follows_the_text_size_and_says_it_varies_by_cookie(client, world, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ts"}}
    url = reverse("consultations:public", args=[world.district.code])
    normal = client.get(url)
    assert LARGE not in normal.content.decode() and "Cookie" in normal["Vary"]
    client.cookies[TEXT_SIZE_COOKIE] = "large"
    assert LARGE in client.get(url).content.decode()
    del client.cookies[TEXT_SIZE_COOKIE]
    assert LARGE not in client.get(url).content.decode()  # each size has its own cached copy
