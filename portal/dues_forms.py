"""The forms of the secretariat's dues pages: a union's ledger (record a payment, reverse one,
cancel an invoice, grant a waiver) and the bank statement import.

Each form checks the shape of its input (a number, a day, a choice among the union's own invoices
and payments); what the ledger allows is the service's to say (``dues.services``), and its
``DuesError`` message is shown with the form.
"""

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dues.models import Invoice, Payment, PaymentMethod


class _LedgerForm(forms.Form):
    """A form about one membership's account: its invoice and payment choices are that account's."""

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        if "invoice" in self.fields:
            self.fields["invoice"].queryset = Invoice.objects.filter(membership=membership).order_by(
                "issued_on", "year", "seq"
            )
        if "payment" in self.fields:
            self.fields["payment"].queryset = Payment.objects.filter(
                membership=membership, reverses=None, reversal=None
            ).order_by("booked_on", "paid_on", "pk")


class PaymentRecordForm(_LedgerForm):
    paid_on = forms.DateField(label=_("Day paid"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount paid"), max_digits=16, decimal_places=3)
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": _("Give the currency as its three-letter ISO code, e.g. EUR.")},
    )
    rate = forms.DecimalField(
        label=_("Exchange rate"),
        required=False,
        max_digits=18,
        decimal_places=8,
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=140)
    invoice = forms.ModelChoiceField(
        label=_("Invoice"),
        queryset=Invoice.objects.none(),
        required=False,
        empty_label=_("The oldest open invoices first"),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"currency": settings.DUES_CURRENCY, "token": uuid.uuid4()})
        super().__init__(*args, **kwargs)
        self.fields["rate"].help_text = _(
            "Units of %(currency)s per unit paid; required when the currency is another."
        ) % {"currency": settings.DUES_CURRENCY}

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()

    def clean(self):
        cleaned = super().clean()
        if self.has_error("token"):  # a hidden field: said where it is seen
            self.add_error(None, _("This form is out of date: load the page again."))
        return cleaned

    def service_data(self) -> dict:
        return {
            key: self.cleaned_data[key]
            for key in (
                "paid_on",
                "amount",
                "currency",
                "rate",
                "method",
                "reference",
                "invoice",
                "note",
                "token",
            )
        }


class PaymentReverseForm(_LedgerForm):
    payment = forms.ModelChoiceField(label=_("Payment"), queryset=Payment.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def service_data(self) -> dict:
        return {"payment": self.cleaned_data["payment"], "reason": self.cleaned_data["reason"]}


class InvoiceCancelForm(_LedgerForm):
    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def service_data(self) -> dict:
        return {"invoice": self.cleaned_data["invoice"], "reason": self.cleaned_data["reason"]}


class WaiverGrantForm(_LedgerForm):
    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none())
    amount = forms.DecimalField(label=_("Amount waived"), max_digits=16, decimal_places=3)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"token": uuid.uuid4()})
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _(
            "Up to %(limit)s %(currency)s of an invoice. A larger waiver needs a motion of the "
            "Executive Committee: propose it from the member's page."
        ) % {"limit": settings.DUES_WAIVER_LIMIT, "currency": settings.DUES_CURRENCY}

    def clean(self):
        cleaned = super().clean()
        if self.has_error("token"):  # a hidden field: said where it is seen
            self.add_error(None, _("This form is out of date: load the page again."))
        return cleaned

    def service_data(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("invoice", "amount", "reason", "token")}


class StatementUploadForm(forms.Form):
    """A bank statement, for a dry run (``dues.statement_import``)."""

    file = forms.FileField(
        label=_("Bank statement (CSV UTF-8)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > settings.DUES_STATEMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)d KB: import the statement in parts.")
                % {"max": settings.DUES_STATEMENT_MAX_BYTES // 1024}
            )
        return file


class StatementConfirmForm(forms.Form):
    """What the dry run's report showed: its lines, signed, and the report's digest."""

    lines = forms.CharField()
    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$")
