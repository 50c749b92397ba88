"""Error pages in production mode (DEBUG off): Chinese, in the portal's layout, a way home and what to do next."""

import re

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import path

from cppcc_portal import urls as project_urls

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.test_error_pages")]


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("a tampered request")


def _bug(request):
    raise ValueError("a bug")


urlpatterns = [path("forbidden/", _forbidden), path("bad/", _bad), path("bug/", _bug), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler500 = project_urls.handler500

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED_LATIN = {"Cookie"}


def visible_text(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def assert_chinese_error_page(response, status: int, *phrases: str):
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert 'name="viewport"' in html and "css/portal.css" in html  # the portal's look, sized for a phone
    assert '<a class="btn btn-primary" href="/" data-testid="error-home">返回首页</a>' in html
    text = visible_text(html)
    for phrase in phrases:
        assert phrase in text
    assert set(ENGLISH_WORD.findall(text)) <= ALLOWED_LATIN, ENGLISH_WORD.findall(text)
    assert "Traceback" not in html and "DEBUG" not in html


@override_settings(DEBUG=False)
def test_an_unknown_page_answers_404_in_chinese_with_a_way_home(client):
    assert_chinese_error_page(client.get("/no-such-page/"), 404, "页面不存在", "请核对网址")


@override_settings(DEBUG=False)
def test_an_unknown_api_address_still_answers_json(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json() == {"detail": "未找到。"}


@override_settings(DEBUG=False)
def test_a_forbidden_page_answers_403_in_chinese_and_says_whom_to_ask(client):
    assert_chinese_error_page(client.get("/forbidden/"), 403, "您无权查看此页面", "政协机关工作人员")


@override_settings(DEBUG=False)
def test_a_bad_request_answers_400_in_chinese_and_mentions_an_expired_sign_in_code(client):
    assert_chinese_error_page(client.get("/bad/"), 400, "无法处理这个请求", "签到二维码")


@override_settings(DEBUG=False)
def test_a_bug_answers_500_in_chinese_without_the_database(client, django_assert_num_queries):
    client.raise_request_exception = False
    with django_assert_num_queries(0):
        response = client.get("/bug/")
    assert_chinese_error_page(response, 500, "服务器出错", "系统出错了", "重新提交")


def test_the_500_template_renders_without_any_context_as_djangos_own_handler_would():
    from django.template import Context, loader

    html = loader.get_template("500.html").template.render(Context())  # no request, no context processors
    assert "服务器出错" in html and "系统出错了" in html and 'href="/"' in html


@override_settings(DEBUG=False)
def test_an_expired_form_says_so_in_chinese_and_offers_to_reload_it(world):
    from django.conf import settings

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/",
        {"username": world.member.username, "password": settings.DEMO_PASSWORD},
        HTTP_REFERER="http://testserver/accounts/login/",
    )
    assert_chinese_error_page(response, 403, "此页面已失效", "刷新后重新提交")
    assert 'href="http://testserver/accounts/login/" data-testid="error-retry"' in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(DEBUG=False)
def test_the_expired_page_offers_no_reload_link_to_another_site(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {}, HTTP_REFERER="https://evil.example/accounts/login/")
    assert response.status_code == 403 and "evil.example" not in response.content.decode()
    assert 'data-testid="error-retry"' not in response.content.decode()


@override_settings(DEBUG=False)
def test_a_csrf_failure_under_the_api_answers_json(db):
    from django.test import RequestFactory

    from core.views import csrf_failure

    response = csrf_failure(RequestFactory().post("/api/v1/anything/"), reason="CSRF cookie not set.")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
