"""E-mails are written in the recipient's language (their choice on the account), whatever the
language of the person whose action sent them."""

import re

import pytest
from django.core import mail
from django.utils import translation

from accounts.models import Preferences
from notifications.delivery import message_build
from notifications.models import Notification
from tests.cast import S, application_in, reload
from workflows import services
from workflows.notifications import Event

pytestmark = pytest.mark.django_db


def _ask_for_information(client, application):
    return client.post(
        f"/committee/applications/{application.pk}/",
        {
            "action": "request_info",
            "expected_state": reload(application).state,
            "comment": "Statutes, please.",
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def _mail_to(address: str):
    (message,) = [m for m in mail.outbox if m.to == [address]]
    return message, message.alternatives[0][0]


def test_an_english_speaking_secretary_s_request_reaches_an_arabic_reader_in_arabic(
    cast, client_as, django_capture_on_commit_callbacks, settings
):
    settings.OFFICERS_REQUIRE_MFA = False
    Preferences.objects.create(user=cast.applicant, language="ar")
    Preferences.objects.create(user=cast.secretariat, language="en")
    application = application_in(S.SUBMITTED, cast, assigned=False)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        page = _ask_for_information(client_as(cast.secretariat), application)
    assert '<html lang="en" dir="ltr">' in page.content.decode()  # the secretary reads English

    row = Notification.objects.get(event=Event.INFO_REQUESTED, recipient=cast.applicant)
    assert row.context["language"] == "ar"
    assert row.context["country_name"] == "كينيا"
    message, html = _mail_to(cast.applicant.email)
    assert '<html lang="ar" dir="rtl">' in html
    assert message.subject == f"يُرجى إضافة معلومات إلى طلبك: {application.name}"
    assert message.body.startswith(f"مرحبًا {row.context['recipient_name']}،")
    assert "تحتاج الأمانة العامة إلى مزيد من المعلومات" in message.body
    assert "تحتاج الأمانة العامة إلى مزيد من المعلومات" in html
    assert "The secretariat needs more information" not in message.body + html
    assert "Statutes, please." in message.body  # what the secretary typed, as typed


def test_a_reader_without_a_choice_gets_the_default_language_whatever_the_sender_s(cast):
    Preferences.objects.create(user=cast.secretariat, language="ar")
    with translation.override("ar"):
        services.application_submit(application=application_in(S.DRAFT, cast), actor=cast.applicant)

    receipt = Notification.objects.get(event=Event.SUBMITTED, recipient=cast.applicant)
    assert receipt.context["language"] == "en"
    assert message_build(receipt).subject.startswith("We received your application")
    assert receipt.context["country_name"] == "Kenya"
    assert receipt.context["state_label"] == "Submitted"
    # The secretary who chose Arabic gets Arabic, from the same event.
    staff = Notification.objects.get(event=Event.SUBMITTED, recipient=cast.secretariat)
    assert staff.context["language"] == "ar"
    assert staff.context["country_name"] == "كينيا"
    assert staff.context["state_label"] == "مُرسَل"
    assert message_build(staff).subject.startswith("طلب جديد للفحص")


def test_dates_in_e_mails_are_written_in_the_reader_s_language(cast):
    Preferences.objects.create(user=cast.committee[0], language="fr")
    services.vote_open(application=application_in(S.REVIEWED, cast), actor=cast.secretariat)

    french = Notification.objects.get(event=Event.VOTE_OPENED, recipient=cast.committee[0]).context
    english = Notification.objects.get(event=Event.VOTE_OPENED, recipient=cast.committee[1]).context
    month = re.search(r"\d+ (\w+) \d{4}", english["deadline_display"])[1]
    assert month in {"January", "February", "March", "April", "May", "June", "July", "August", "September",
                     "October", "November", "December"}  # fmt: skip
    assert re.search(r"\d+ (\w+) \d{4}", french["deadline_display"])[1] in {
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre",
    }  # fmt: skip
