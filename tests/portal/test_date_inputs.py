"""A date field's browser date picker (``<input type="date">``) only takes an ISO date: its
value must be ``2026-12-24`` in every language, never the language's own way of writing a date
(in French ``24/12/2026``), or the picker shows nothing and the form comes back "required"."""

import datetime
import inspect

import pytest
from django import forms
from django.utils import translation

from portal import forms as portal_forms
from portal import member_forms
from registry import forms as registry_forms


def _date_inputs():
    for module in (portal_forms, member_forms, registry_forms):
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm) or form.__module__ != module.__name__:
                continue
            for field_name, field in form.base_fields.items():
                widget = field.widget
                if isinstance(widget, forms.DateInput) and widget.input_type == "date":
                    yield pytest.param(widget, id=f"{name}.{field_name}")


DATE_INPUTS = list(_date_inputs())


def test_the_date_pickers_are_found():
    assert len(DATE_INPUTS) >= 3


@pytest.mark.parametrize("language", ["en", "ar", "fr", "tr"])
@pytest.mark.parametrize("widget", DATE_INPUTS)
def test_a_date_picker_is_given_an_iso_date_in_every_language(widget, language):
    with translation.override(language):
        assert widget.format_value(datetime.date(2026, 12, 24)) == "2026-12-24"
