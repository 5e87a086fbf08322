"""The applicant's pages: drafting, uploading, checking, sending, answering, withdrawing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.cast import S, application_in, reload
from tests.factories import PDF_BYTES, PNG_BYTES, ApplicationFactory
from workflows import services
from workflows.models import ApplicationDocument, MembershipApplication

pytestmark = pytest.mark.django_db


def _form_data(**overrides) -> dict:
    data = {
        "name": "",
        "acronym": "",
        "kind": "national_union",
        "country": "",
        "region": "",
        "city": "",
        "website": "",
        "email": "",
        "founded_year": "",
        "students_represented": "",
        "motivation": "",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "6",
        "contacts-0-name": "",
        "contacts-0-role": "",
        "contacts-0-email": "",
        "contacts-0-phone": "",
        "next": "save",
    }
    data.update(overrides)
    return data


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_my_applications_lists_mine_with_their_state_in_plain_words(cast, client_as):
    mine = application_in(S.INFO_REQUESTED, cast, assigned=False, name="Union of Students of Kenya")
    ApplicationFactory(applicant=cast.other_applicant, name="Someone Else's Union")

    response = client_as(cast.applicant).get("/applications/")

    html = response.content.decode()
    assert "Union of Students of Kenya" in html
    assert "The secretariat needs more information from you." in html
    assert "Someone Else&#x27;s Union" not in html
    assert "Someone Else's Union" not in html
    assert f"/applications/{mine.pk}/edit/" in html


def test_a_draft_can_be_saved_with_only_its_name(cast, client_as, regions):
    response = client_as(cast.applicant).post("/applications/new/", _form_data(name="Zambia Students Union"))

    application = MembershipApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{application.pk}/edit/"
    assert application.name == "Zambia Students Union"
    assert application.state == S.DRAFT
    assert application.applicant == cast.applicant


def test_save_and_check_goes_to_the_review_page(cast, client_as, regions):
    response = client_as(cast.applicant).post(
        "/applications/new/", _form_data(name="Zambia Students Union", next="review")
    )
    application = MembershipApplication.objects.get()
    assert response["Location"] == f"/applications/{application.pk}/review/"


def test_the_form_has_its_sections_labels_and_upload_rules(cast, client_as, regions):
    html = client_as(cast.applicant).get("/applications/new/").content.decode()
    for section in ("Your organization", "Contacts", "Documents", "Statement"):
        assert section in html
    assert "Accepted: PDF, PNG, JPEG. Up to 10.0\xa0MB per file." in html
    assert 'accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"' in html
    assert 'enctype="multipart/form-data"' in html
    # every visible input has a label
    for name in (
        "name",
        "acronym",
        "country",
        "city",
        "website",
        "email",
        "founded_year",
        "motivation",
        "statutes",
    ):
        assert f'for="id_{name}"' in html


def test_a_form_error_is_shown_next_to_its_field_and_keeps_what_was_typed(cast, client_as, regions):
    response = client_as(cast.applicant).post(
        "/applications/new/",
        _form_data(
            city="Lusaka",
            motivation="We represent all Zambian students.",
            founded_year="abc",
            **{"contacts-0-name": "Mwila"},
        ),
    )

    assert response.status_code == 200
    assert MembershipApplication.objects.count() == 0
    form = response.context["form"]
    assert form.errors["name"] == ["This field is required."]
    assert "founded_year" in form.errors
    html = response.content.decode()
    assert 'value="Lusaka"' in html
    assert "We represent all Zambian students.</textarea>" in html
    assert 'value="abc"' in html
    assert 'value="Mwila"' in html
    assert 'id="id_name_errors"' in html
    assert 'aria-invalid="true"' in html


def test_a_service_error_is_shown_next_to_its_field_and_keeps_the_input(cast, client_as):
    application_in(S.SUBMITTED, cast, assigned=False, name="Zambia Students Union", country="ZM")

    response = client_as(cast.other_applicant).post(
        "/applications/new/", _form_data(name="Zambia Students Union", country="ZM", city="Ndola")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "An open application with this name and country exists."
    ]
    assert 'value="Ndola"' in response.content.decode()
    assert MembershipApplication.objects.filter(applicant=cast.other_applicant).count() == 0


def test_a_contact_without_e_mail_gets_its_error_on_its_row(cast, client_as, regions):
    response = client_as(cast.applicant).post(
        "/applications/new/", _form_data(name="Zambia Students Union", **{"contacts-0-name": "Mwila Banda"})
    )
    assert response.status_code == 200
    assert "email" in response.context["formset"].forms[0].errors
    assert 'value="Mwila Banda"' in response.content.decode()


def test_the_region_is_found_from_the_country(cast, client_as, regions):
    client_as(cast.applicant).post("/applications/new/", _form_data(name="Kenya Union", country="KE"))
    assert MembershipApplication.objects.get().region == regions["africa-east"]


def test_files_chosen_in_the_form_are_uploaded_with_the_draft(cast, client_as, regions):
    data = _form_data(name="Zambia Students Union")
    data["statutes"] = SimpleUploadedFile("statutes.pdf", PDF_BYTES)
    data["registration"] = SimpleUploadedFile("registration.png", PNG_BYTES)
    client_as(cast.applicant).post("/applications/new/", data)
    application = MembershipApplication.objects.get()
    assert sorted(application.documents.values_list("kind", "content_type")) == [
        ("registration", "image/png"),
        ("statutes", "application/pdf"),
    ]


def test_a_refused_file_is_reported_next_to_its_input_and_the_draft_is_kept(cast, client_as, regions):
    data = _form_data(name="Zambia Students Union")
    data["statutes"] = SimpleUploadedFile("statutes.exe", b"MZ\x90\x00 not a pdf")
    response = client_as(cast.applicant).post("/applications/new/", data)
    assert response.status_code == 200
    assert "This file type is not accepted" in str(response.context["documents_form"].errors["statutes"])
    assert MembershipApplication.objects.get().documents.count() == 0
    assert "Your draft is saved, but a file was not accepted" in " ".join(_messages(response))


def test_the_documents_page_shows_the_rules_and_refuses_a_file_too_large(cast, client_as, settings):
    application = application_in(S.DRAFT, cast)  # its documents are uploaded under the usual limit
    settings.DOCUMENT_MAX_BYTES = 100
    client = client_as(cast.applicant)
    assert (
        "Up to 100\xa0bytes per file."
        in client.get(f"/applications/{application.pk}/documents/").content.decode()
    )

    response = client.post(
        f"/applications/{application.pk}/documents/",
        {"expected_state": "draft", "kind": "other", "file": SimpleUploadedFile("big.pdf", PDF_BYTES * 10)},
    )

    assert response.status_code == 200
    assert "The file is too large" in str(response.context["form"].errors["file"])
    assert application.documents.count() == 2


def test_an_upload_on_the_documents_page_is_stored(cast, client_as):
    application = application_in(S.DRAFT, cast)
    response = client_as(cast.applicant).post(
        f"/applications/{application.pk}/documents/",
        {
            "expected_state": "draft",
            "kind": "letter_of_intent",
            "file": SimpleUploadedFile("letter.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 302
    assert application.documents.filter(kind="letter_of_intent", original_name="letter.pdf").exists()


def test_a_document_is_downloaded_as_an_attachment_with_its_stored_type(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    document = application.documents.first()
    for user in (cast.applicant, cast.secretariat, cast.committee[0]):
        response = client_as(user).get(f"/applications/{application.pk}/documents/{document.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{document.original_name}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_document_of_another_application_is_404(cast, client_as):
    mine = application_in(S.DRAFT, cast)
    theirs = ApplicationFactory(applicant=cast.other_applicant, name="Other Union")
    from tests.factories import attach_required_documents

    their_document = attach_required_documents(theirs)[0]
    response = client_as(cast.applicant).get(f"/applications/{mine.pk}/documents/{their_document.pk}/")
    assert response.status_code == 404


def test_the_review_page_lists_what_is_missing(cast, client_as, regions):
    application = services.application_create(
        applicant=cast.applicant, data={"name": "Half-done Union", "country": "KE"}
    )
    response = client_as(cast.applicant).get(f"/applications/{application.pk}/review/")
    html = response.content.decode()
    assert response.context["complete"] is False
    assert "City" in response.context["missing_fields"]
    assert "Why does your union want to join the federation?" in response.context["missing_fields"]
    assert response.context["missing_documents"] == ["Statutes / constitution", "Proof of registration"]
    assert "Send the application</button>" not in html


def test_sending_a_complete_draft_submits_it(cast, client_as):
    application = application_in(S.DRAFT, cast)
    client = client_as(cast.applicant)
    assert (
        "Send the application</button>"
        in client.get(f"/applications/{application.pk}/review/").content.decode()
    )

    response = client.post(
        f"/applications/{application.pk}/submit/", {"expected_state": "draft"}, follow=True
    )

    assert reload(application).state == S.SUBMITTED
    assert "Your application is sent" in " ".join(_messages(response))
    html = response.content.decode()
    assert "The application was sent." in html  # the timeline
    assert "What happens next:" in html


def test_sending_an_incomplete_draft_is_refused_with_the_reason(cast, client_as, regions):
    application = services.application_create(applicant=cast.applicant, data={"name": "Half-done Union"})
    response = client_as(cast.applicant).post(
        f"/applications/{application.pk}/submit/", {"expected_state": "draft"}, follow=True
    )
    assert response.status_code == 200
    assert "Some required information is missing." in _messages(response)
    assert reload(application).state == S.DRAFT


def test_a_stale_send_says_someone_else_changed_it_and_shows_the_state(cast, client_as):
    application = application_in(S.INFO_REQUESTED, cast)
    services.application_withdraw(application=application, actor=cast.applicant)  # in another tab

    response = client_as(cast.applicant).post(
        f"/applications/{application.pk}/submit/", {"expected_state": "info_requested"}, follow=True
    )

    assert response.status_code == 200
    assert _messages(response) == ["Someone else changed this application meanwhile: it is now “Withdrawn”."]
    assert response.context["application"].state == S.WITHDRAWN
    assert "Withdrawn" in response.content.decode()


def test_a_stale_edit_is_refused_with_the_conflict_message(cast, client_as):
    application = application_in(S.DRAFT, cast)
    client = client_as(cast.applicant)
    services.application_submit(application=application, actor=cast.applicant)

    response = client.post(
        f"/applications/{application.pk}/edit/",
        _form_data(name="Changed", expected_state="draft"),
        follow=True,
    )

    assert reload(application).name != "Changed"
    assert response.redirect_chain[-1][0] == f"/applications/{application.pk}/"
    assert any("Someone else changed this application meanwhile" in m for m in _messages(response))


def test_when_information_is_requested_the_message_is_on_top_and_the_form_open(cast, client_as):
    application = application_in(S.INFO_REQUESTED, cast, assigned=False)
    client = client_as(cast.applicant)

    status = client.get(f"/applications/{application.pk}/").content.decode()
    edit = client.get(f"/applications/{application.pk}/edit/")

    assert status.index("Please send your statutes.") < status.index("Where your application is now")
    assert edit.status_code == 200
    assert "Please send your statutes." in edit.content.decode()


def test_the_applicant_answers_and_sends_again(cast, client_as):
    application = application_in(S.INFO_REQUESTED, cast, assigned=False)
    client = client_as(cast.applicant)
    edit = client.get(f"/applications/{application.pk}/edit/").context["form"]
    data = _form_data(
        expected_state="info_requested",
        **{
            name: ("" if value is None else value)
            for name, value in edit.initial.items()
            if name in _form_data()
        },
    )
    data.update(
        name=application.name, country="KE", region=str(application.region_id), motivation="Updated answer."
    )
    assert client.post(f"/applications/{application.pk}/edit/", data).status_code == 302

    response = client.post(
        f"/applications/{application.pk}/submit/",
        {"expected_state": "info_requested", "comment": "Done."},
        follow=True,
    )

    application = reload(application)
    assert application.state == S.SUBMITTED
    assert application.motivation == "Updated answer."
    assert "Done." in response.content.decode()


def test_editing_a_frozen_application_redirects_with_a_message(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    response = client_as(cast.applicant).get(f"/applications/{application.pk}/edit/", follow=True)
    assert response.redirect_chain[-1][0] == f"/applications/{application.pk}/"
    assert _messages(response) == ["This application cannot be changed while it is “Submitted”."]


def test_withdrawing_asks_for_confirmation_first(cast, client_as):
    application = application_in(S.SUBMITTED, cast, assigned=False)
    client = client_as(cast.applicant)

    page = client.get(f"/applications/{application.pk}/withdraw/")
    assert page.status_code == 200
    assert "Yes, withdraw it" in page.content.decode()
    assert reload(application).state == S.SUBMITTED

    response = client.post(
        f"/applications/{application.pk}/withdraw/", {"expected_state": "submitted"}, follow=True
    )
    assert reload(application).state == S.WITHDRAWN
    assert "Your application is withdrawn." in _messages(response)


def test_a_draft_is_deleted_with_its_documents_after_a_confirmation(
    cast, client_as, django_capture_on_commit_callbacks
):
    application = application_in(S.DRAFT, cast, assigned=False)
    files = [document.file.name for document in application.documents.all()]
    storage = application.documents.first().file.storage
    client = client_as(cast.applicant)

    status = client.get(f"/applications/{application.pk}/").content.decode()
    assert "Delete this draft" in status
    assert "Withdraw" not in status
    page = client.get(f"/applications/{application.pk}/delete/")
    assert "Yes, delete the draft" in page.content.decode()
    assert MembershipApplication.objects.filter(pk=application.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/applications/{application.pk}/delete/", {"expected_state": "draft"}, follow=True
        )
    assert response.redirect_chain[-1][0] == "/applications/"
    assert _messages(response) == [f"Your draft “{application.name}” is deleted."]
    assert not MembershipApplication.objects.filter(pk=application.pk).exists()
    assert not ApplicationDocument.objects.filter(application_id=application.pk).exists()
    assert files
    assert not any(storage.exists(name) for name in files)


def test_withdrawing_a_draft_leads_to_deleting_it(cast, client_as):
    application = application_in(S.DRAFT, cast, assigned=False)
    response = client_as(cast.applicant).get(f"/applications/{application.pk}/withdraw/")
    assert response.status_code == 302
    assert response.url == f"/applications/{application.pk}/delete/"


@pytest.mark.parametrize("state", [S.SUBMITTED, S.WITHDRAWN])
def test_an_application_once_sent_is_not_deleted(cast, client_as, state):
    application = application_in(state, cast, assigned=False)
    client = client_as(cast.applicant)
    page = client.get(f"/applications/{application.pk}/delete/", follow=True)
    assert _messages(page) == ["Only a draft can be deleted. You can withdraw an application you sent."]
    response = client.post(f"/applications/{application.pk}/delete/", {"expected_state": state}, follow=True)
    assert _messages(response) == [
        "Only a draft can be deleted. An application that was sent can be withdrawn instead."
    ]
    assert reload(application).state == state


@pytest.mark.parametrize("state", [S.ADMITTED, S.REJECTED, S.WITHDRAWN])
def test_withdrawing_a_decided_application_is_refused_with_a_message(cast, client_as, state):
    application = application_in(state, cast, assigned=False)
    client = client_as(cast.applicant)
    page = client.get(f"/applications/{application.pk}/withdraw/", follow=True)
    assert any("cannot be withdrawn" in m for m in _messages(page))
    response = client.post(
        f"/applications/{application.pk}/withdraw/", {"expected_state": state}, follow=True
    )
    assert response.status_code == 200
    assert _messages(response)  # the service's reason
    assert reload(application).state == state


def test_a_document_can_be_removed_from_a_draft(cast, client_as):
    application = application_in(S.DRAFT, cast)
    document = application.documents.first()
    client_as(cast.applicant).post(
        f"/applications/{application.pk}/documents/{document.pk}/remove/", {"expected_state": "draft"}
    )
    assert not ApplicationDocument.objects.filter(pk=document.pk).exists()


def test_removing_a_document_from_a_stale_page_is_refused(cast, client_as):
    application = application_in(S.DRAFT, cast)
    document = application.documents.first()
    services.application_submit(application=application, actor=cast.applicant)
    response = client_as(cast.applicant).post(
        f"/applications/{application.pk}/documents/{document.pk}/remove/",
        {"expected_state": "draft"},
        follow=True,
    )
    assert ApplicationDocument.objects.filter(pk=document.pk).exists()
    assert any("Someone else changed this application meanwhile" in m for m in _messages(response))


def test_an_admitted_applicant_is_pointed_to_the_directory(cast, client_as):
    application = application_in(S.ADMITTED, cast)
    html = client_as(cast.applicant).get(f"/applications/{application.pk}/").content.decode()
    assert f'href="/directory/{application.organization.slug}/"' in html


def test_the_portal_pages_need_a_login(client):
    response = client.get("/applications/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/applications/"
