"""Corrections to libraries' own Chinese: the same msgids, extracted into the project catalogue
(``locale/``, first in ``LOCALE_PATHS``), which Django reads before the libraries' catalogues."""

from django.utils.translation import gettext_noop

CORRECTED = [
    gettext_noop("Some rows failed to validate"),  # django-import-export 4: "某些行验数据证失败" (garbled)
    gettext_noop("Non field specific"),  # its heading of a row's own errors: "没有指定的字段" (no field given)
]
