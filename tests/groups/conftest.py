import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded evidence goes to a temporary folder, not the developer's media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
