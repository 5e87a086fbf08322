import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.roles import ROLE_GROUPS
from registry.demo import DEMO_USERS
from registry.models import Membership, Organization
from registry.selectors import affiliate_list
from workflows import selectors
from workflows.models import MembershipApplication, VoteRound

pytestmark = pytest.mark.usefixtures("_documents_in_memory")


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Organization.objects.count(), Membership.objects.count(), get_user_model().objects.count())
    assert "password for all" in capsys.readouterr().out

    call_command("seed_demo")

    assert (
        Organization.objects.count(),
        Membership.objects.count(),
        get_user_model().objects.count(),
    ) == counts
    assert 70 <= counts[0] <= 90
    assert 55 <= affiliate_list().count() <= 70
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_GROUPS)
    assert set(get_user_model().objects.values_list("username", flat=True)) >= set(DEMO_USERS)
    assert (
        get_user_model().objects.get(username="committee3@demo.example").groups.get().name
        == "Executive Committee"
    )


@pytest.mark.django_db
def test_seed_demo_covers_every_top_level_region(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    top_regions = {
        (org.region.parent or org.region).code for org in affiliate_list().select_related("region__parent")
    }
    assert top_regions == {
        "africa",
        "asia-pacific",
        "central-asia",
        "europe",
        "latin-america",
        "mena",
        "north-america",
    }


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing"):
        call_command("seed_demo")
    assert Organization.objects.count() == 0


@pytest.mark.django_db
def test_seed_demo_puts_applications_in_several_states(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")

    states = sorted(MembershipApplication.objects.values_list("state", flat=True))
    assert states == [
        "draft",
        "executive_vote",
        "info_requested",
        "rejected",
        "submitted",
        "under_review",
        "withdrawn",
    ]
    draft = MembershipApplication.objects.get(state="draft")
    assert draft.applicant.username == "applicant@demo.example"
    vote_round = VoteRound.objects.get()
    assert vote_round.voters.count() == 5
    assert vote_round.voters.filter(recused_at__isnull=False).count() == 1  # a recusal, with its reason
    assert vote_round.ballots.count() == 1


@pytest.mark.django_db
def test_seed_demo_applications_have_different_ages(settings):
    """So that "waiting more than N days" in the queue and the digest can be tried on the demo."""
    settings.DEBUG = True
    call_command("seed_demo")

    queue = {a.state: a.in_state_since for a in selectors.committee_queue()}
    now = timezone.now()
    assert (now - queue["submitted"]).days >= 2
    assert (now - queue["under_review"]).days >= 20
    assert (now - queue["executive_vote"]).days >= 30
    assert selectors.committee_queue(waiting_days=14).count() == 2


@pytest.mark.django_db
def test_seed_demo_has_a_suspended_member_union_that_its_representative_sees(settings, client):
    from registry.demo import DEMO_REPRESENTATIVES
    from registry.models import MembershipState, Representative

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # once more: nothing doubles

    suspended = Membership.objects.filter(state=MembershipState.SUSPENDED).select_related("organization")
    assert {m.organization.name for m in suspended} >= {"Zimbabwe National Students Union"}
    zimbabwe = suspended.get(organization__slug="zinasu-zw")
    assert zimbabwe.organization.region.name  # a region of the federation
    (suspension,) = zimbabwe.suspensions.all()
    assert suspension.ends_on is None
    assert suspension.starts_on > zimbabwe.admitted_on
    assert "dues" in suspension.reason
    assert zimbabwe.organization not in affiliate_list()

    rows = Representative.objects.filter(user__username__in=list(DEMO_REPRESENTATIVES))
    assert sorted(rows.values_list("organization__slug", flat=True)) == ["nugs-gh", "zinasu-zw"]
    representative = get_user_model().objects.get(username="union.zimbabwe@demo.example")
    client.force_login(representative, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/member/").content.decode()
    assert "Zimbabwe National Students Union" in page
    assert "Suspended" in page
    assert "Not in good standing</span>" in page
