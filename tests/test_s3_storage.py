"""Uploads in an S3-compatible bucket (``STORAGE_BACKEND=s3``), against a real S3 server run locally (moto).

The storage settings are the ones ``cppcc_portal/settings.py`` builds from the environment. Files go into
the bucket as private objects; the portal streams them back through its own views after the permission
check, to allowed users only, and nobody can fetch them from the bucket without credentials.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import boto3
import pytest
import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import free_port
from tests.proposals.conftest import Walker

pytestmark = pytest.mark.django_db

BUCKET = "cppcc-media"
PDF = b"%PDF-1.4\n% signed reply \xe7\xad\xbe\xe5\xad\x97\n%%EOF\n"


@pytest.fixture
def s3(settings, monkeypatch):
    """A moto S3 server on a free port, a private bucket, and the portal's storage settings pointed at it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "portal",
        "AWS_SECRET_ACCESS_KEY": "portal-secret",
        "AWS_LOCATION": "uploads",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    configured = runpy.run_path(str(Path(settings.BASE_DIR) / "cppcc_portal" / "settings.py"))
    assert configured["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    settings.STORAGES = configured["STORAGES"]
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="portal",
        aws_secret_access_key="portal-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    client.endpoint = endpoint
    yield client
    server.stop()


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_a_signed_reply_uploaded_to_s3_is_served_only_to_those_who_may_see_the_proposal(world, s3):
    from proposals.models import Reply

    proposal = Walker(world).assigned()
    unit = _as(world.unit_user)
    response = unit.post(
        f"/proposals/{proposal.pk}/act/reply/",
        {
            "expected_state": "assigned",
            "text": "已会同有关部门落实。",
            "result_code": "A",
            "signed_pdf": SimpleUploadedFile("签批件.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    reply = Reply.objects.get(proposal=proposal)

    # In the bucket, under the configured prefix, private.
    key = reply.signed_pdf.name
    stored = s3.get_object(Bucket=BUCKET, Key=f"uploads/{key}")
    assert stored["Body"].read() == PDF
    grants = s3.get_object_acl(Bucket=BUCKET, Key=f"uploads/{key}")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"] and all(
        g["Grantee"]["Type"] == "CanonicalUser" for g in grants
    ), grants
    anonymous = requests.get(f"{s3.endpoint}/{BUCKET}/uploads/{key}", timeout=10)
    assert anonymous.status_code == 403 and PDF not in anonymous.content

    url = f"/proposals/replies/{reply.pk}/signed.pdf"
    for allowed in (world.member, world.staff, world.unit_user, world.leader):
        got = _as(allowed).get(url)
        assert got.status_code == 200, allowed
        assert got["Content-Type"] == "application/pdf" and _body(got) == PDF
    for refused in (world.outsider_member.user, world.other_unit_user, world.other_staff):
        assert _as(refused).get(url).status_code in (403, 404), refused
    assert _as(None).get(url).status_code == 302  # to the login page

    # The proposal page and the API link to the portal's view, never to the bucket.
    page = _as(world.member).get(f"/proposals/{proposal.pk}/").content.decode()
    assert url in page and s3.endpoint not in page and "X-Amz-Signature" not in page
    api = _as(world.member).get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert [r["signed_pdf"] for r in api["replies"]] == [f"{settings.PORTAL_BASE_URL}{url}"]


def test_activity_evidence_in_s3_is_streamed_after_the_permission_check(world, s3):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from activities.models import Activity
    from activities.services.activities import evidence_upload
    from tests.groups.factories import ActivityFactory, png_bytes

    activity = ActivityFactory(
        group=world.group, state=Activity.State.ANNOUNCED, starts_at=timezone.now() + timedelta(days=2)
    )
    image = png_bytes()
    evidence = evidence_upload(
        activity_id=activity.pk,
        actor=world.convener,
        upload=SimpleUploadedFile("现场.png", image, content_type="image/png"),
    )
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="uploads/")["Contents"]
    assert f"uploads/{evidence.file.name}" in {o["Key"] for o in listed}
    assert requests.get(f"{s3.endpoint}/{BUCKET}/uploads/{evidence.file.name}", timeout=10).status_code == 403

    url = reverse("activities:evidence_file", args=[evidence.pk])
    for allowed in (world.convener, world.staff):
        got = _as(allowed).get(url)
        assert got.status_code == 200 and _body(got) == image
    assert _as(world.outsider_member.user).get(url).status_code in (403, 404)
    assert _as(world.other_convener).get(url).status_code in (403, 404)
