"""Links to stored files in the admin that go through the portal's permission-checked views.

Django's admin shows a FileField as a link to ``field.url``: a /media/ address that is never served (uploads
are private), or on S3 a signed address that bypasses the portal's checks. These link to the view instead.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html


def file_link(field: str, url_name: str, *, description):
    """A readonly admin field showing ``obj.<field>`` as a link to ``url_name`` (which takes ``obj.pk``)."""

    @admin.display(description=description)
    def show(self, obj):
        stored = getattr(obj, field)
        if not obj.pk or not stored:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse(url_name, args=[obj.pk]), stored.name.rsplit("/", 1)[-1])

    return show
