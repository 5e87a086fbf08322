"""README "Dues" and its settings rows say what the code does: the defaults, the rounding, the beat."""

from pathlib import Path

from django.conf import settings

from dues import money

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")


def test_every_dues_setting_is_in_the_table_and_env_example_with_its_default():
    rows = {
        "`DUES_CURRENCY` | `EUR`": settings.DUES_CURRENCY == "EUR",
        "`DUES_DUE_DAYS` / `DUES_GRACE_DAYS` | `60` / `30`": (
            settings.DUES_DUE_DAYS,
            settings.DUES_GRACE_DAYS,
        )
        == (60, 30),
        "`DUES_PRO_RATA` | off": settings.DUES_PRO_RATA is False,
        "`DUES_WAIVER_LIMIT` | `100`": settings.DUES_WAIVER_LIMIT == 100,
        "`DUES_LAPSE_YEARS` | `2`": settings.DUES_LAPSE_YEARS == 2,
        "`DUES_REMINDER_DAYS_BEFORE` / `DUES_REMINDER_DAYS_AFTER` | `14` / `30`": (
            settings.DUES_REMINDER_DAYS_BEFORE,
            settings.DUES_REMINDER_DAYS_AFTER,
        )
        == (14, 30),
        "`DUES_PAYMENT_INSTRUCTIONS` | a demo bank account": "demo account"
        in settings.DUES_PAYMENT_INSTRUCTIONS,
    }
    for row, default_holds in rows.items():
        assert row in README, row
        assert default_holds, row
    for line in (
        "DUES_CURRENCY=EUR",
        "DUES_DUE_DAYS=60",
        "DUES_GRACE_DAYS=30",
        "DUES_PRO_RATA=0",
        "DUES_WAIVER_LIMIT=100",
        "DUES_LAPSE_YEARS=2",
        "DUES_REMINDER_DAYS_BEFORE=14",
        "DUES_REMINDER_DAYS_AFTER=30",
        "# DUES_PAYMENT_INSTRUCTIONS=",
    ):
        assert line in ENV_EXAMPLE, line


def test_the_rounding_and_the_beat_are_as_the_readme_says():
    from decimal import Decimal

    assert "halves away from zero (`ROUND_HALF_UP`)" in README
    assert money.quantize(Decimal("0.125"), "EUR") == Decimal("0.13")
    assert money.quantize(Decimal("-0.125"), "EUR") == Decimal("-0.13")
    beat = settings.CELERY_BEAT_SCHEDULE["dues-invoices-issue"]
    assert "Celery beat at 00:02 UTC" in README
    assert (beat["schedule"].hour, beat["schedule"].minute) == ({0}, {2})
    reminders = settings.CELERY_BEAT_SCHEDULE["dues-reminders"]
    assert "(`dues.tasks.send_reminders`, Celery beat at 00:20 UTC)" in README
    assert (reminders["schedule"].hour, reminders["schedule"].minute) == ({0}, {20})
