"""Backups: export_registry / import_registry round-trip byte for byte, refuse bad input cleanly."""

import datetime
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django_fsm_log.models import StateLog

from accounts.roles import EXECUTIVE_COMMITTEE, SECRETARIAT
from ops import backup
from registry import feed
from registry.models import (
    ArchivedDecision,
    ChangeRequest,
    CountryRegion,
    DirectoryEvent,
    Membership,
    Organization,
    Region,
    Representative,
    RepresentativeInvitation,
    YearlyReturn,
)
from workflows import services
from workflows.models import ApplicationState, MembershipApplication

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_documents_in_memory")]

BASE_DIR = Path(__file__).resolve().parents[2]
S = ApplicationState


def export() -> str:
    out = io.StringIO()
    call_command("export_registry", stdout=out)
    return out.getvalue()


def registry_rows() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "countries": CountryRegion.objects.count(),
        "organizations": Organization.objects.count(),
        "memberships": Membership.objects.count(),
        "decisions": ArchivedDecision.objects.count(),
    }


def application(name: str) -> MembershipApplication:
    return MembershipApplication.objects.get(name=name)


@pytest.fixture
def demo(settings):
    """The demo data, with a decision of every kind: admitted after a void round (no quorum)
    and a second one, rejected at screening, withdrawn under review; a draft deleted."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    User = get_user_model()
    secretariat = User.objects.filter(groups__name=SECRETARIAT).get()
    committee = list(User.objects.filter(groups__name=EXECUTIVE_COMMITTEE).order_by("pk"))

    ecuador = application("Federación de Estudiantes Universitarios del Ecuador")
    services.vote_close(application=ecuador, actor=secretariat, comment="No quorum at the meeting.")
    services.vote_open(application=application(ecuador.name), actor=secretariat, category="associate")
    for member in committee:
        services.vote_cast(application=application(ecuador.name), member=member, choice="yes")
    malawi = application("Malawi National Students Union")
    services.application_reject(application=malawi, actor=secretariat, comment="Not a student union.")
    thailand = application("Students' Union of Thailand")
    services.application_withdraw(application=thailand, actor=thailand.applicant)
    lesotho = application("Lesotho National Students Union")
    services.application_delete(application=lesotho, actor=lesotho.applicant)

    assert application(ecuador.name).state == S.ADMITTED
    return {"secretariat": secretariat}


def wipe_database() -> None:
    """Delete every row of the registry and the workflow: the database is as fresh as a new one
    for what a backup holds (users, groups and the change history stay)."""
    from django.apps import apps

    models = [*apps.get_app_config("workflows").get_models(), StateLog, ArchivedDecision]
    models += [Representative, RepresentativeInvitation, ChangeRequest, YearlyReturn]
    models += [DirectoryEvent, Membership, Organization, CountryRegion, Region]
    Region.objects.update(parent=None)
    for _ in range(len(models)):
        pending = []
        for model in models:
            try:
                with transaction.atomic():
                    model.objects.all().delete()
            except (ProtectedError, RestrictedError, IntegrityError):
                pending.append(model)
        models = pending
    assert not models, models


def test_export_import_export_gives_the_same_bytes(demo, tmp_path):
    first = export()
    path = tmp_path / "registry.json"
    path.write_text(first, encoding="utf-8")
    wipe_database()
    assert not any(registry_rows().values())

    call_command("import_registry", str(path), stdout=io.StringIO())
    second = export()

    assert second.encode() == first.encode()
    assert (
        ArchivedDecision.objects.count() == 5
    )  # 3 made here (a deleted draft leaves none), and the demo's rejected and withdrawn ones
    # A third generation, from the archive, is the same again.
    path.write_text(second, encoding="utf-8")
    call_command("import_registry", str(path), "--replace", stdout=io.StringIO())
    assert export() == first


def test_the_backup_holds_regions_countries_organizations_memberships_and_decisions(demo):
    data = json.loads(export())

    assert data["format"] == backup.FORMAT
    assert data["version"] == backup.VERSION
    assert list(data) == [
        "format",
        "version",
        "regions",
        "countries",
        "organizations",
        "memberships",
        "decisions",
        "dues_rates",
        "invoice_counters",
        "meetings",
    ]
    regions = {r["code"]: r for r in data["regions"]}
    assert regions["africa-east"]["parent"] == "africa"
    assert regions["africa"]["parent"] is None
    assert {"country": "KE", "region": "africa-east"} in data["countries"]
    assert [o["slug"] for o in data["organizations"]] == sorted(o["slug"] for o in data["organizations"])
    assert len(data["organizations"]) == Organization.objects.count()
    assert len(data["memberships"]) == Membership.objects.count()

    decisions = {d["name"]: d for d in data["decisions"]}
    assert {d["state"] for d in decisions.values()} == {"admitted", "rejected", "withdrawn"}
    admitted = decisions["Federación de Estudiantes Universitarios del Ecuador"]
    assert admitted["organization"] == "feue-ec"
    assert admitted["decided_at"] is not None
    void, passed = admitted["vote_rounds"]
    assert (void["number"], void["outcome"], void["is_void"], void["yes"]) == (
        1,
        "no_quorum",
        True,
        1,
    )  # the demo's one ballot, a recusal
    assert (passed["number"], passed["outcome"], passed["is_void"]) == (2, "passed", False)
    assert (passed["yes"], passed["no"], passed["abstain"], passed["eligible"]) == (5, 0, 0, 5)
    assert passed["category"] == "associate"
    assert decisions["Malawi National Students Union"]["vote_rounds"] == []
    # What a backup does not hold: accounts, contacts, motivation, documents, reviews.
    text = json.dumps(data)
    for private in ("@demo.example", "International officer", "motivation", "statutes", "password"):
        assert private not in text


def test_an_import_keeps_the_timestamps_and_starts_the_history(demo, tmp_path):
    path = tmp_path / "registry.json"
    path.write_text(export(), encoding="utf-8")
    before = {o.slug: (o.created_at, o.updated_at) for o in Organization.objects.all()}
    wipe_database()

    call_command("import_registry", str(path), stdout=io.StringIO())

    after = {o.slug: (o.created_at, o.updated_at) for o in Organization.objects.all()}
    assert after == before
    org = Organization.objects.get(slug="feue-ec")
    assert org.search_text  # computed on import, for the directory's search
    record = org.history.get()
    assert record.history_type == "+"
    assert "import_registry" in record.history_change_reason
    assert record.created_at == before["feue-ec"][0]


def test_export_to_a_file_is_private_and_equals_stdout(demo, tmp_path):
    path = tmp_path / "backup.json"

    call_command("export_registry", "--output", str(path), stderr=io.StringIO())

    assert path.read_bytes() == export().encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name != "backup.json"]  # no temporary file left


def test_export_to_an_unwritable_place_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_registry", "--output", str(tmp_path / "missing-dir" / "backup.json"))


# --- refusals ---------------------------------------------------------------------------------------------


NO_TRANSLATIONS = {"name_ar": "", "name_fr": "", "name_tr": ""}


def minimal_backup(**changes) -> dict:
    data = {
        "format": backup.FORMAT,
        "version": backup.VERSION,
        "regions": [
            {
                "code": "africa",
                "name": "Africa",
                "name_ar": "أفريقيا",
                "name_fr": "Afrique",
                "name_tr": "Afrika",
                "parent": None,
            },
            {
                "code": "africa-east",
                "name": "East Africa",
                "name_ar": "",
                "name_fr": "",
                "name_tr": "",
                "parent": "africa",
            },
        ],
        "countries": [{"country": "KE", "region": "africa-east"}],
        "organizations": [
            {
                "slug": "kenya-nus",
                "name": "Kenya National Union of Students",
                "name_latin": "",
                "acronym": "KNUS",
                "country": "KE",
                "region": "africa-east",
                "city": "Nairobi",
                "website": "https://knus.example.org",
                "email": "info@knus.example.org",
                "founded_year": 1990,
                "students_represented": 50000,
                "kind": "national_union",
                "description": "The national union of Kenya's students.",
                "social_links": ["https://social.example/knus"],
                "created_at": "2020-01-01T10:00:00.000000Z",
                "updated_at": "2021-01-01T10:00:00.123456Z",
            }
        ],
        "memberships": [
            {
                "organization": "kenya-nus",
                "category": "full",
                "state": "active",
                "admitted_on": "2020-05-01",
                "ended_on": None,
                "end_reason": "",
                "created_at": "2020-05-01T12:00:00.000000Z",
                "updated_at": "2020-05-01T12:00:00.000000Z",
                "suspensions": [{"starts_on": "2021-02-01", "ends_on": "2021-03-01", "reason": "Dues."}],
                "returns": [
                    {
                        "year": 2021,
                        "filed_at": "2021-02-15T08:30:00.000000Z",
                        "data": {"activities": "A congress.", "students_represented": 50000},
                    }
                ],
                "invoices": [],
                "payments": [],
            }
        ],
        "decisions": [],
        "dues_rates": [],
        "invoice_counters": [],
        "meetings": [],
    }
    data.update(changes)
    return data


def write(tmp_path: Path, content: str | bytes | dict) -> str:
    path = tmp_path / "backup.json"
    if isinstance(content, dict):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return str(path)


def import_error(path: str, *args: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("import_registry", path, *args, stdout=io.StringIO())
    assert not any(registry_rows().values()), "a refused import wrote something"
    return str(caught.value)


def test_a_minimal_backup_imports(tmp_path):
    call_command("import_registry", write(tmp_path, minimal_backup()), stdout=io.StringIO())

    assert registry_rows() == {
        "regions": 2,
        "countries": 1,
        "organizations": 1,
        "memberships": 1,
        "decisions": 0,
    }
    assert Region.objects.get(code="africa-east").parent.code == "africa"
    assert json.loads(export()) == minimal_backup()


def test_a_missing_file_is_a_clear_error(tmp_path):
    message = import_error(str(tmp_path / "nowhere.json"))

    assert message == f"Cannot read {tmp_path / 'nowhere.json'}: No such file or directory."


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "{not json",
            "The file is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2).",
        ),
        ("", "The file is not valid JSON"),
        (b"\xff\xfe\x00garbage", "not"),
        ("[]", "The file is not a Federation Registry backup"),
        ('{"format": "something-else", "version": 1}', "The file is not a Federation Registry backup"),
    ],
)
def test_a_file_that_is_not_a_backup_is_a_clear_error(tmp_path, content, expected):
    assert expected in import_error(write(tmp_path, content))


@pytest.mark.parametrize("version", [5, 0, "2", True, None])
def test_a_wrong_format_version_is_a_clear_error(tmp_path, version):
    message = import_error(write(tmp_path, minimal_backup(version=version)))

    assert f"format version is {version!r}" in message
    assert "reads versions 1, 2, 3, 4" in message


def test_a_version_1_backup_is_upgraded_a_withdrawn_membership_ends(tmp_path):
    """Version 1 typed a "standing"; a withdrawn membership becomes ended (reason: withdrawn),
    dated by its end date or, lacking one, by its last change."""
    old = minimal_backup(version=1)
    member = old["memberships"][0]
    for key in ("state", "end_reason", "suspensions", "returns"):
        del member[key]
    for key in ("description", "social_links", "name_latin"):
        del old["organizations"][0][key]
    for region in old["regions"]:
        for key in ("name_ar", "name_fr", "name_tr"):
            del region[key]
    member["standing"] = "active"
    gone = {
        **member,
        "standing": "withdrawn",
        "admitted_on": "2001-01-01",
        "updated_at": "2010-03-04T00:00:00Z",
    }
    old["memberships"].insert(0, gone)

    call_command("import_registry", write(tmp_path, old), stdout=io.StringIO())

    rows = list(Membership.objects.order_by("admitted_on").values_list("state", "end_reason", "ended_on"))
    assert rows == [("ended", "withdrawn", datetime.date(2010, 3, 4)), ("active", "", None)]
    assert json.loads(export())["version"] == backup.VERSION


def test_a_version_2_backup_imports_with_empty_translations_and_latin_names(tmp_path):
    old = minimal_backup(version=2)
    del old["organizations"][0]["name_latin"]
    for region in old["regions"]:
        for key in ("name_ar", "name_fr", "name_tr"):
            del region[key]

    call_command("import_registry", write(tmp_path, old), stdout=io.StringIO())

    assert Organization.objects.get(slug="kenya-nus").name_latin == ""
    assert set(Region.objects.values_list("name_ar", "name_fr", "name_tr")) == {("", "", "")}


def test_region_translations_and_a_latin_name_survive_export_and_import(tmp_path):
    call_command("import_registry", write(tmp_path, minimal_backup()), stdout=io.StringIO())
    Organization.objects.filter(slug="kenya-nus").update(name_latin="Kenya NUS")
    data = json.loads(export())

    assert {r["code"]: r["name_ar"] for r in data["regions"]} == {"africa": "أفريقيا", "africa-east": ""}
    assert data["organizations"][0]["name_latin"] == "Kenya NUS"


def test_a_second_return_for_the_same_year_is_refused(tmp_path):
    data = minimal_backup()
    returns = data["memberships"][0]["returns"]
    returns.append(dict(returns[0]))

    assert "more than one return for the same year" in import_error(write(tmp_path, data))


def test_an_unknown_region_code_is_a_clear_error(tmp_path):
    data = minimal_backup()
    data["organizations"][0]["region"] = "atlantis"
    data["countries"][0]["region"] = "lemuria"

    message = import_error(write(tmp_path, data))

    assert "nothing was changed" in message
    assert "organizations[0]: unknown region code 'atlantis'" in message
    assert "countries[0]: unknown region code 'lemuria'" in message


def test_an_unknown_parent_region_or_a_cycle_is_a_clear_error(tmp_path):
    data = minimal_backup(
        regions=[
            {"code": "africa", "name": "Africa", **NO_TRANSLATIONS, "parent": "africa-east"},
            {"code": "africa-east", "name": "East Africa", **NO_TRANSLATIONS, "parent": "africa"},
            {"code": "europe", "name": "Europe", **NO_TRANSLATIONS, "parent": "nowhere"},
        ]
    )

    message = import_error(write(tmp_path, data))

    assert "region 'europe': unknown parent region code 'nowhere'" in message
    assert "region 'africa': its parent regions form a cycle" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"regions": {"code": "x"}}, '"regions" must be a list'),
        ({"organizations": [42]}, "organizations[0]: must be an object"),
        ({"organizations": [{"slug": ["a"]}]}, "organizations[0]: missing name"),
        ({"memberships": [{"organization": "nobody"}]}, "memberships[0]: missing category"),
    ],
)
def test_a_malformed_backup_is_a_clear_error(tmp_path, change, expected):
    assert expected in import_error(write(tmp_path, minimal_backup(**change)))


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("slug", ["not", "text"], "slug must be text"),
        ("founded_year", "nineteen-ninety", "founded_year must be a whole number or null"),
        ("founded_year", 1066, "founded_year"),
        ("email", "not-an-address", "email: Enter a valid email address."),
        ("country", "XX", "country"),
        ("kind", "secret_society", "kind"),
        ("created_at", "yesterday", "Invalid isoformat string"),
        ("created_at", "2020-01-01T10:00:00", "has no time zone"),
    ],
)
def test_an_invalid_organization_is_a_clear_error(tmp_path, field, value, expected):
    data = minimal_backup()
    data["organizations"][0][field] = value

    message = import_error(write(tmp_path, data))

    assert "organizations[0]" in message
    assert expected in message


def test_two_active_memberships_of_one_organization_are_refused(tmp_path):
    data = minimal_backup()
    data["memberships"].append({**data["memberships"][0], "admitted_on": "2021-01-01"})

    assert "more than one active membership" in import_error(write(tmp_path, data))


def test_an_invalid_decision_is_a_clear_error(tmp_path):
    decision = {
        "name": "Union",
        "acronym": "",
        "country": "KE",
        "region": "africa-east",
        "city": "",
        "kind": "national_union",
        "organization": None,
        "state": "draft",
        "created_at": "2020-01-01T00:00:00.000000Z",
        "submitted_at": None,
        "decided_at": None,
        "vote_rounds": [{"number": 1}],
    }

    message = import_error(write(tmp_path, minimal_backup(decisions=[decision])))

    assert "decisions[0]: vote_rounds[0] must have exactly" in message
    decision["vote_rounds"] = []
    assert "decisions[0]: state: Value 'draft' is not a valid choice." in import_error(
        write(tmp_path, minimal_backup(decisions=[decision]))
    )


def test_a_non_empty_registry_is_refused_unless_replace(tmp_path, regions):
    path = write(tmp_path, minimal_backup())
    before = registry_rows()

    with pytest.raises(CommandError, match=r"The registry is not empty \(24 regions, 249 countries\)"):
        call_command("import_registry", path, stdout=io.StringIO())
    assert registry_rows() == before

    call_command("import_registry", path, "--replace", stdout=io.StringIO())
    assert registry_rows() == {
        "regions": 2,
        "countries": 1,
        "organizations": 1,
        "memberships": 1,
        "decisions": 0,
    }


def test_replace_is_refused_while_there_are_applications(demo, tmp_path):
    path = write(tmp_path, minimal_backup())
    before = registry_rows()

    with pytest.raises(CommandError, match="membership applications"):
        call_command("import_registry", path, "--replace", stdout=io.StringIO())

    assert registry_rows() == before


def test_replace_is_refused_while_there_are_membership_certificates(tmp_path, regions):
    from registry.certificates import certificate_issue
    from tests.factories import MembershipFactory

    certificate_issue(membership=MembershipFactory(), actor=None)
    path = write(tmp_path, minimal_backup())
    before = registry_rows()

    with pytest.raises(CommandError, match="1 membership certificates"):
        call_command("import_registry", path, "--replace", stdout=io.StringIO())

    assert registry_rows() == before


def refuse_memberships(monkeypatch) -> None:
    """The database refuses the memberships, written after the regions and organizations."""
    from registry import bulk

    insert = bulk.insert

    def broken(rows, **kwargs):
        if rows and isinstance(rows[0], Membership):
            raise IntegrityError("simulated")
        return insert(rows, **kwargs)

    monkeypatch.setattr(bulk, "insert", broken)


def test_a_database_error_half_way_writes_nothing(tmp_path, monkeypatch):
    refuse_memberships(monkeypatch)

    message = import_error(write(tmp_path, minimal_backup()))

    assert "The backup breaks a rule of the database: simulated" in message


# --- as the operator runs them ------------------------------------------------------------------------------


def run_manage(*args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "backup-tests-" + "x" * 50,
        "LOG_FORMAT": "console",
        "ALLOW_LOCAL_CACHE": "1",  # one process, no Redis: the cache check (config.E001) allows it
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_bad_file_exits_non_zero_with_a_message_and_no_traceback(tmp_path):
    path = write(tmp_path, "{broken")

    result = run_manage(
        "import_registry", path, env_extra={"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    )

    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: The file is not valid JSON")
    assert "Traceback" not in result.stderr


def test_round_trip_through_a_fresh_database(demo, tmp_path):
    """Into a newly migrated database (SQLite) in another process, from this one (SQLite or PostgreSQL)."""
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    first.write_text(export(), encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}

    for args in (
        ("migrate", "--no-input", "-v0"),
        ("import_registry", str(first)),
        ("export_registry", "--output", str(second)),
    ):
        result = run_manage(*args, env_extra=env)
        assert result.returncode == 0, result.stderr

    assert second.read_bytes() == first.read_bytes()


def test_archived_decisions_are_read_only_in_the_admin(client, settings, tmp_path):
    from tests.factories import secretariat_user

    settings.OFFICERS_REQUIRE_MFA = False
    decision = {
        "name": "Union of Students of Atlantis",
        "acronym": "USA",
        "country": "KE",
        "region": "africa-east",
        "city": "",
        "kind": "national_union",
        "organization": None,
        "state": "rejected",
        "created_at": "2019-01-01T00:00:00.000000Z",
        "submitted_at": "2019-01-02T00:00:00.000000Z",
        "decided_at": "2019-02-01T00:00:00.000000Z",
        "vote_rounds": [],
    }
    call_command(
        "import_registry", write(tmp_path, minimal_backup(decisions=[decision])), stdout=io.StringIO()
    )
    archived = ArchivedDecision.objects.get()
    client.force_login(secretariat_user())

    listed = client.get("/admin/registry/archiveddecision/")
    viewed = client.get(f"/admin/registry/archiveddecision/{archived.pk}/change/")
    changed = client.post(f"/admin/registry/archiveddecision/{archived.pk}/change/", {"name": "Changed"})
    deleted = client.post(f"/admin/registry/archiveddecision/{archived.pk}/delete/", {"post": "yes"})

    assert listed.status_code == 200
    assert "Union of Students of Atlantis" in listed.content.decode()
    assert viewed.status_code == 200
    assert client.get("/admin/registry/archiveddecision/add/").status_code == 403
    assert changed.status_code == 403
    assert deleted.status_code == 403
    archived.refresh_from_db()
    assert archived.name == "Union of Students of Atlantis"


def test_a_restore_publishes_the_restored_directory_and_old_feed_cursors_expire(tmp_path, regions):
    from tests.factories import MembershipFactory

    organization = MembershipFactory(organization__region=regions["africa-east"]).organization
    feed.publish_all()
    before = feed.last_seq()
    assert DirectoryEvent.objects.filter(organization=organization).exists()

    call_command("import_registry", write(tmp_path, minimal_backup()), "--replace", stdout=io.StringIO())

    [event] = DirectoryEvent.objects.all()  # the old events went with the organizations they named
    # The restore took number before + 1; a partner starts again from it (the 410's last_id is newer).
    assert (event.seq, event.type, event.slug) == (before + 2, "member.admitted", "kenya-nus")
    assert feed.cursor_expired(before)  # even a partner who had read everything starts again
    assert not feed.cursor_expired(before + 1)
    assert [e.seq for e in feed.events_after(before + 1, limit=10)] == [before + 2] == [feed.last_seq()]


def messages(check) -> list:
    """The errors that ``check()`` raises, as ``(field, messages)`` in their order; none if it passes."""
    try:
        check()
    except ValidationError as exc:
        return list(exc.message_dict.items())
    return []


@pytest.mark.parametrize(
    "make",
    [
        lambda: Organization(name="", slug="", country="KE", founded_year=1066, students_represented=-1),
        lambda: Organization(name="U", slug="u", country="XX", email="nope", founded_year=None),
        lambda: Organization(name="U", slug="u", country="KE", founded_year=2300),
        lambda: Membership(category="full", state="ended", admitted_on=datetime.date(2020, 1, 1)),
        lambda: Membership(
            category="gold",
            state="active",
            admitted_on=datetime.date(2020, 1, 1),
            ended_on=datetime.date(2019, 1, 1),
            end_reason="lapsed",
        ),
        lambda: Membership(category="full", state="active", admitted_on=datetime.date(2020, 1, 1)),
    ],
)
def test_the_restore_checks_constraints_in_memory_with_the_messages_of_full_clean(
    db, make, django_assert_num_queries
):
    """backup._clean checks without a query per row and says what full_clean says, in its order."""
    exclude = ["region"] if isinstance(make(), Organization) else ["organization"]

    obj = make()
    expected = messages(lambda: obj.full_clean(exclude=exclude, validate_unique=False))
    obj = make()
    with django_assert_num_queries(0):
        found = messages(lambda: backup._clean(obj, exclude=exclude))
    assert found == expected


@pytest.mark.parametrize(
    ("make", "exclude"),
    [
        (lambda: CountryRegion(country="XX"), ["region"]),
        (lambda: CountryRegion(country="KE"), ["region"]),
        (
            lambda: ArchivedDecision(name="", state="won", country="ZZ", kind="club"),
            ["organization", "region"],
        ),
        (
            lambda: ArchivedDecision(
                name="Union", state="admitted", created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
            ),
            ["organization", "region"],
        ),
    ],
)
def test_the_restore_checks_fields_without_constraints_with_the_messages_of_full_clean(
    db, make, exclude, django_assert_num_queries
):
    """backup._clean(constraints=False), for the rows a restore checks without their constraints,
    says what full_clean(validate_constraints=False) says, in its order, without a query."""
    expected = messages(
        lambda: make().full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    )
    obj = make()
    with django_assert_num_queries(0):
        found = messages(lambda: backup._clean(obj, exclude=exclude, constraints=False))
    assert found == expected
    assert bool(found) == (obj.name == "" if isinstance(obj, ArchivedDecision) else obj.country == "XX")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Organization(name="U" * 201, slug="u", country="KE", city="C" * 100, acronym=""),
        lambda: Organization(name="U", slug="u", country="KE", city=42, founded_year="1990"),
        lambda: Organization(name="U", slug="u", country="KE", founded_year=1.5, students_represented=2**70),
        lambda: Organization(name="U", slug="u", country="KE", students_represented=-1, description="\x00"),
        lambda: Organization(name="Ünïon", slug="u", country="KE", founded_year=1990, students_represented=0),
        lambda: Membership(category="full", state="active", admitted_on="2020-01-02"),
        lambda: Membership(category="full", state="active", admitted_on=datetime.datetime(2020, 1, 2, 3, 4)),
        lambda: Membership(category="full", state="active", admitted_on="yesterday"),
        lambda: Membership(
            category="", state="suspended", admitted_on=datetime.date(2020, 1, 2), end_reason="x"
        ),
        lambda: Organization(name="U", slug="u", country="KE", kind="club"),
        lambda: Organization(name="U", slug="u", country="KE", kind="national_union"),
    ],
)
def test_a_value_taken_as_it_is_is_what_full_clean_gives_back(db, make, django_assert_num_queries):
    """backup._clean takes plain values without Field.clean; for every value it gives the errors and
    the values full_clean gives (converted where full_clean converts)."""
    exclude = ["region"] if isinstance(make(), Organization) else ["organization"]

    def outcome(obj, check) -> tuple:
        return messages(check), {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}

    expected = outcome(obj := make(), lambda: obj.full_clean(exclude=exclude, validate_unique=False))
    with django_assert_num_queries(0):
        found = outcome(obj := make(), lambda: backup._clean(obj, exclude=exclude))
    assert found == expected


def test_a_restore_leaves_the_automatic_times_on_even_when_it_fails(tmp_path, monkeypatch):
    """The restore inserts the backup's times with auto_now switched off, for its inserts only."""

    def automatic() -> list[bool]:
        return [
            getattr(model._meta.get_field(name), attribute)
            for model in (Organization, Membership)
            for name, attribute in (("created_at", "auto_now_add"), ("updated_at", "auto_now"))
        ]

    call_command("import_registry", write(tmp_path, minimal_backup()), stdout=io.StringIO())
    assert automatic() == [True, True, True, True]

    refuse_memberships(monkeypatch)
    with pytest.raises(CommandError, match="breaks a rule of the database"):
        call_command("import_registry", write(tmp_path, minimal_backup()), "--replace", stdout=io.StringIO())
    assert automatic() == [True, True, True, True]


def test_a_restore_runs_with_the_cyclic_collector_paused(tmp_path, monkeypatch):
    import gc

    seen = []
    write_plan = backup._write
    monkeypatch.setattr(backup, "_write", lambda plan: (seen.append(gc.isenabled()), write_plan(plan)))

    call_command("import_registry", write(tmp_path, minimal_backup()), stdout=io.StringIO())

    assert seen == [False]
    assert gc.isenabled()
    assert Organization.objects.filter(slug="kenya-nus").exists()
