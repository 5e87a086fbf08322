"""The dues ledger: schedule, invoices, credit notes, waivers, payments and their allocations.

Where it sits: ``dues`` imports ``registry`` (memberships, the federation year, the feed) and may
import ``notifications``; ``workflows`` imports it (an admission invoices the new member), and ``api`` /
``portal`` / ``ops`` may. Good standing stays computed in ``registry.selectors``; this app adds
"no invoice in arrears" to it through ``registry.selectors.add_standing_condition`` (apps.py), so
no import runs upwards.

Money: every amount is whole minor units of its currency (``*_minor``, see ``dues.money``), in the
ledger's currency (``DUES_CURRENCY``); a foreign payment keeps its own amount, currency and rate.
Nothing is edited or deleted: rows are protected, a cancelled invoice gets a credit note, a
mistaken payment a reversal (a counter-entry with negative allocations). Every entry carries the
day it was booked (``booked_on``), which is what standing on a date reads, so the answer for a
past date never changes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Membership, MembershipCategory

from .money import from_minor

_CURRENCY_CODE = Q(currency__regex=r"^[A-Z]{3}$")


class DuesRate(models.Model):
    """The dues of one membership category for one federation year, from a number of students
    represented up (a band; ``students_from`` 0 is the whole category)."""

    year = models.PositiveIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=20, choices=MembershipCategory.choices)
    students_from = models.PositiveIntegerField(_("from students represented"), default=0)
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        verbose_name = _("dues rate")
        verbose_name_plural = _("dues schedule")
        ordering = ["year", "category", "students_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "category", "students_from"], name="dues_rate_unique_band"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="dues_rate_amount_not_negative"),
            models.CheckConstraint(condition=_CURRENCY_CODE, name="dues_rate_currency_code"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.category} ≥{self.students_from}: {self.amount} {self.currency}"

    @property
    def amount(self):
        return from_minor(self.amount_minor, self.currency)


class InvoiceCounter(models.Model):
    """The last invoice number given in a federation year; locked by the transaction that numbers
    an invoice, so numbers follow without gaps or duplicates."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Invoice(models.Model):
    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.PROTECT, related_name="invoices"
    )
    year = models.PositiveIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=20, unique=True)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    pro_rata = models.BooleanField(_("pro rata"), default=False)
    # What it was priced for, as the union stood at issue: its category and the schedule's band
    # (``DuesRate.students_from``), kept so a later change of category shows no other price.
    category = models.CharField(_("category"), max_length=20, choices=MembershipCategory.choices)
    students_from = models.PositiveIntegerField(_("band: from students represented"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["issued_on", "year", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "year"], name="invoice_one_per_membership_year"),
            models.UniqueConstraint(fields=["year", "seq"], name="invoice_unique_seq"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=Q(seq__gt=0), name="invoice_seq_positive"),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("issued_on")), name="invoice_due_after_issue"
            ),
            models.CheckConstraint(condition=_CURRENCY_CODE, name="invoice_currency_code"),
            models.CheckConstraint(condition=~Q(category=""), name="invoice_category_given"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def amount(self):
        return from_minor(self.amount_minor, self.currency)


class _Entry(models.Model):
    booked_on = models.DateField(_("booked on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True


class CreditNote(_Entry):
    """The cancellation of an invoice: credits what was still open on it."""

    invoice = models.OneToOneField(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="credit_note"
    )
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="credit_note_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="credit_note_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: -{from_minor(self.amount_minor, self.invoice.currency)}"


class Waiver(_Entry):
    """A reduction of an invoice, with its reason. Up to ``DUES_WAIVER_LIMIT`` the secretariat
    grants it; above, the Executive Committee decides by a motion, whose id ``by_motion`` keeps
    (a plain number: the motion is ``workflows``', which this app sits below)."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="waivers"
    )
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    reason = models.TextField(_("reason"))
    by_motion = models.PositiveBigIntegerField(_("decided by motion"), null=True, blank=True, unique=True)
    # The form's one-time token (its hidden field): the same form sent twice records one waiver.
    token = models.UUIDField(_("form token"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("waiver")
        verbose_name_plural = _("waivers")
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="waiver_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="waiver_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: -{from_minor(self.amount_minor, self.invoice.currency)}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class Payment(_Entry):
    """Money received from a union (``reverses`` empty), or the reversal of such a payment (a
    counter-entry of the opposite sign, ``reverses`` set). ``amount``/``currency``/``rate`` are as
    received; ``amount_minor`` is its value in the ledger's currency."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.PROTECT, related_name="payments"
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount paid"), max_digits=16, decimal_places=3)
    currency = models.CharField(_("currency paid"), max_length=3)
    rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=8, null=True, blank=True)
    amount_minor = models.BigIntegerField(_("value (minor units of the dues currency)"))
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=140)
    note = models.TextField(_("note"), blank=True)
    # The form's one-time token (its hidden field): the same form sent twice records one payment.
    token = models.UUIDField(_("form token"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["booked_on", "paid_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "paid_on", "reference"],
                condition=Q(reverses__isnull=True),
                name="payment_unique_reference",
            ),
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount_minor__gt=0) & Q(amount__gt=0))
                | (Q(reverses__isnull=False) & Q(amount_minor__lt=0) & Q(amount__lt=0)),
                name="payment_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | Q(rate__gt=0), name="payment_rate_positive"
            ),
            models.CheckConstraint(condition=_CURRENCY_CODE, name="payment_currency_code"),
            models.CheckConstraint(condition=~Q(reference=""), name="payment_reference_given"),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount} {self.currency} {self.reference}"


class Allocation(models.Model):
    """Part of a payment settling an invoice (negative: a reversal taking it back)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    booked_on = models.DateField(_("booked on"))

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="allocation_amount_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount_minor}"
