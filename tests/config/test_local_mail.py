"""README "run": on the embedded defaults every e-mail is written as a file to var/mail/."""

import uuid

from tests.config.helpers import BASE_DIR, run_settings

MAIL_DIR = BASE_DIR / "var" / "mail"


def test_without_email_url_mail_goes_to_files_in_var_mail_of_the_project():
    mail = run_settings("print(json.dumps([settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH]))")

    assert mail == ["django.core.mail.backends.filebased.EmailBackend", str(MAIL_DIR)]


def test_a_mail_sent_on_the_embedded_defaults_is_a_file_in_var_mail():
    subject = f"Mail folder check {uuid.uuid4()}"
    sent = run_settings(
        "from django.core.mail import send_mail\n"
        f"print(json.dumps(send_mail({subject!r}, 'Hello.', None, ['someone@example.org'])))"
    )

    written = [path for path in MAIL_DIR.glob("*.log") if subject in path.read_text(errors="replace")]
    for path in written:
        path.unlink()
    assert sent == 1
    assert len(written) == 1


def test_an_email_url_still_chooses_the_mail_backend():
    backend = run_settings("print(json.dumps(settings.EMAIL_BACKEND))", EMAIL_URL="smtp://127.0.0.1:1025")

    assert backend == "django.core.mail.backends.smtp.EmailBackend"
