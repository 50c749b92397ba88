"""``core.form_renderer.FastRenderer`` writes the select and the plain inputs as Django's templates do, byte for byte."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from core.form_renderer import FastRenderer
from groups.models import Committee


class Everything(forms.Form):
    plain = forms.CharField(initial='q"u<o>te & more', max_length=20, help_text="help")
    empty = forms.CharField(required=False)
    number = forms.IntegerField(initial=12345, min_value=0)
    decimal = forms.DecimalField(initial=Decimal("1234.50"))
    day = forms.DateField(initial=datetime.date(2026, 12, 7), widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField(initial=datetime.datetime(2026, 12, 7, 14, 5))
    hidden = forms.CharField(widget=forms.HiddenInput, initial=mark_safe("<b>safe</b>"))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="pw")
    mail = forms.EmailField(initial="a@b.cn", widget=forms.EmailInput(attrs={"autocomplete": "email", "data-x": True}))
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "disabled": False, "data-n": 3}))
    flag = forms.BooleanField(initial=True, required=False)
    off = forms.BooleanField(initial=False, required=False)
    upload = forms.FileField(required=False)
    choice = forms.ChoiceField(
        choices=[
            ("", "---"),
            ("x<", "X & y"),
            (3, 3),
            ("lazy", gettext_lazy("Search")),
            ("safe", mark_safe("<i>i</i>")),
        ],
        initial="x<",
    )
    grouped = forms.ChoiceField(choices=[("", "all"), ("Group <1>", [("1", "one"), (2, 2)]), ("z", "zed")], initial=2)
    many = forms.MultipleChoiceField(choices=[(1, "a"), (2, "b"), (3, "c")], initial=[1, 3], required=False)
    year = forms.TypedChoiceField(choices=[(2026, "2026"), (2025, "2025")], coerce=int, initial=2025)
    attrs = forms.ChoiceField(
        choices=[("a", "A")], widget=forms.Select(attrs={"class": "form-select", "data-picker": True})
    )
    text = forms.CharField(widget=forms.Textarea, initial="a\nb<")
    radios = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect, initial="b")


def _both(form_class, data=None, **kwargs):
    fast = form_class(data, renderer=FastRenderer(), **kwargs)
    slow = form_class(data, renderer=DjangoTemplates(), **kwargs)
    return fast, slow


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("bound", [False, True])
def test_every_widget_renders_as_djangos_templates(language, bound):
    data = {"plain": "x&y", "number": "1,234", "choice": "lazy", "grouped": "z", "many": ["2"], "flag": "on"}
    with override(language):
        fast, slow = _both(Everything, data if bound else None)
        for name in Everything.base_fields:
            assert str(fast[name]) == str(slow[name]), name
        assert str(fast) == str(slow)


@pytest.mark.django_db
def test_a_model_choice_select_renders_as_djangos_template():
    Committee.objects.create(name="临江 <区>", level="district")

    class Pick(forms.Form):
        committee = forms.ModelChoiceField(Committee.objects.all(), empty_label="全部")
        some = forms.ModelMultipleChoiceField(Committee.objects.all(), required=False)

    fast, slow = _both(Pick)
    assert str(fast["committee"]) == str(slow["committee"])
    assert str(fast["some"]) == str(slow["some"])


def test_the_portal_renders_forms_with_the_fast_renderer():
    assert isinstance(get_default_renderer(), FastRenderer)
    assert FastRenderer()._own >= {"django/forms/widgets/select.html", "django/forms/widgets/text.html"}
