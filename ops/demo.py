"""Demo applications in several states, so that every page has something to show.

They go through the services, as a real application would, and are created
only once (by organization name).
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_fsm_log.models import StateLog

from accounts.roles import EXECUTIVE_COMMITTEE, REVIEWERS, SECRETARIAT
from registry.demo import DEMO_PASSWORD
from workflows import services
from workflows.models import MembershipApplication

# A one-page PDF, small enough to keep in the source, with the cross-reference table that the
# upload check requires (it refuses a PDF a reader would have to repair).
DEMO_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


@dataclass(frozen=True)
class DemoApplication:
    """One demo application: who applies, how far its story goes, and how long ago it started."""

    applicant: str
    stage: str  # the last step of STORY it goes through
    days_ago: int  # how long ago the story began: the queue's "waiting" and the digest need age
    data: dict


DEMO_APPLICATIONS = [
    DemoApplication(
        "applicant@demo.example",
        "draft",
        1,
        {
            "name": "Lesotho National Students Union",
            "acronym": "LNSU",
            "country": "LS",
            "city": "Maseru",
            "email": "info@lnsu.example.org",
            "founded_year": 2012,
            "students_represented": 22000,
            "motivation": "We want to learn from other national unions and represent Basotho students internationally.",
        },
    ),
    DemoApplication(
        "union.malawi@demo.example",
        "submitted",
        3,
        {
            "name": "Malawi National Students Union",
            "acronym": "MANSU",
            "country": "MW",
            "city": "Lilongwe",
            "email": "secretary@mansu.example.org",
            "founded_year": 2009,
            "students_represented": 45000,
            "motivation": "MANSU represents students of all public universities in Malawi.",
        },
    ),
    DemoApplication(
        "union.senegal@demo.example",
        "info_requested",
        9,
        {
            "name": "Union Nationale des Étudiants du Sénégal",
            "acronym": "UNES",
            "country": "SN",
            "city": "Dakar",
            "email": "contact@unes.example.org",
            "founded_year": 1998,
            "students_represented": 120000,
            "motivation": "L'UNES rassemble les amicales d'étudiants des universités publiques du Sénégal.",
        },
    ),
    DemoApplication(
        "union.thailand@demo.example",
        "under_review",
        25,
        {
            "name": "Students' Union of Thailand",
            "acronym": "SUT",
            "country": "TH",
            "city": "Bangkok",
            "email": "international@sut.example.org",
            "founded_year": 2001,
            "students_represented": 350000,
            "motivation": "We bring together student councils from 40 universities across Thailand.",
        },
    ),
    DemoApplication(
        "union.ecuador@demo.example",
        "executive_vote",
        40,
        {
            "name": "Federación de Estudiantes Universitarios del Ecuador",
            "acronym": "FEUE",
            "country": "EC",
            "city": "Quito",
            "email": "relaciones@feue.example.org",
            "founded_year": 1944,
            "students_represented": 300000,
            "motivation": "FEUE has defended free public higher education in Ecuador since 1944.",
        },
    ),
    DemoApplication(
        "club.jordan@demo.example",
        "rejected",
        60,
        {
            "name": "Amman University Debate Club",
            "acronym": "AUDC",
            "country": "JO",
            "city": "Amman",
            "email": "debate@audc.example.org",
            "founded_year": 2018,
            "students_represented": 300,
            "motivation": "Our club organises debates between students of Amman's universities.",
        },
    ),
    DemoApplication(
        "union.kyrgyzstan@demo.example",
        "withdrawn",
        75,
        {
            "name": "Kyrgyz Students Association",
            "acronym": "KSA",
            "country": "KG",
            "city": "Bishkek",
            "email": "office@ksa.example.org",
            "founded_year": 2015,
            "students_represented": 30000,
            "motivation": "KSA unites student self-government bodies of universities in Kyrgyzstan.",
        },
    ),
]


@dataclass
class Cast:
    secretariat: object
    reviewers: list
    committee: list


def _submit(application, applicant, cast: Cast):
    for kind in ("statutes", "registration"):
        upload = SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF, content_type="application/pdf")
        services.document_add(application=application, actor=applicant, kind=kind, upload=upload)
    return services.application_submit(application=application, actor=applicant)


def _request_info(application, applicant, cast: Cast):
    return services.application_request_info(
        application=application,
        actor=cast.secretariat,
        comment="Please upload your registration certificate from the Ministry, not the university's letter.",
    )


def _reject(application, applicant, cast: Cast):
    return services.application_reject(
        application=application,
        actor=cast.secretariat,
        comment="A university club is not a national union of students. Your national union may apply.",
    )


def _withdraw(application, applicant, cast: Cast):
    return services.application_withdraw(
        application=application, actor=applicant, comment="We will apply again after our congress in June."
    )


def _start_review(application, applicant, cast: Cast):
    return services.application_start_review(
        application=application, actor=cast.secretariat, reviewers=cast.reviewers
    )


def _complete_review(application, applicant, cast: Cast):
    for reviewer in cast.reviewers:
        services.review_submit(
            application=application,
            reviewer=reviewer,
            recommendation="admit",
            comment="The statutes are democratic and the union is representative.",
        )
    return services.application_complete_review(application=application, actor=cast.secretariat)


def _vote(application, applicant, cast: Cast):
    """The vote is open: one member recused (a conflict of interest), one has voted."""
    services.vote_open(
        application=application,
        actor=cast.secretariat,
        deadline=timezone.now() + datetime.timedelta(days=10),
        comment="For the Executive Committee's online meeting.",
    )
    services.vote_recuse(
        application=application,
        member=cast.committee[-1],
        reason="I studied in Quito and worked with FEUE's leadership.",
    )
    services.vote_cast(application=application, member=cast.committee[0], choice="yes")
    return application


# The steps of a demo story, in order; each demo application stops at its stage. Rejected and
# withdrawn applications leave the main path where their step stands.
STORY = {
    "draft": None,
    "submitted": _submit,
    "rejected": _reject,
    "info_requested": _request_info,
    "withdrawn": _withdraw,
    "under_review": _start_review,
    "reviewed": _complete_review,
    "executive_vote": _vote,
}
SIDE_STEPS = {"rejected": "submitted", "info_requested": "submitted", "withdrawn": "submitted"}


def _steps_to(stage: str) -> list:
    """The steps from a new draft to ``stage``: the main path, or the main path to the branch point."""
    if stage in SIDE_STEPS:
        return [*_steps_to(SIDE_STEPS[stage]), STORY[stage]]
    main = [name for name in STORY if name not in SIDE_STEPS]
    return [STORY[name] for name in main[1 : main.index(stage) + 1]]


def _backdate(application: MembershipApplication, days: int) -> None:
    """Move the story ``days`` into the past, keeping its order (log, state, submission, rounds)."""
    shift = datetime.timedelta(days=days)
    content_type = ContentType.objects.get_for_model(MembershipApplication)
    StateLog.objects.filter(content_type=content_type, object_id=application.pk).update(
        timestamp=F("timestamp") - shift
    )
    MembershipApplication.objects.filter(pk=application.pk).update(
        state_changed_at=F("state_changed_at") - shift
    )
    MembershipApplication.objects.filter(pk=application.pk, submitted_at__isnull=False).update(
        submitted_at=F("submitted_at") - shift
    )
    MembershipApplication.objects.filter(pk=application.pk, decided_at__isnull=False).update(
        decided_at=F("decided_at") - shift
    )


# The demo applicants' names: the pages name people by them (applicant@ is registry.demo's).
DEMO_APPLICANT_NAMES = {
    "union.malawi@demo.example": ("Chikondi", "Banda"),
    "union.thailand@demo.example": ("Somchai", "Wongsakul"),
    "union.ecuador@demo.example": ("María José", "Andrade"),
    "union.senegal@demo.example": ("Awa", "Diop"),
    "union.kyrgyzstan@demo.example": ("Aibek", "Toktogulov"),
    "club.jordan@demo.example": ("Layla", "Haddad"),
}


def _user(email: str):
    User = get_user_model()
    first_name, last_name = DEMO_APPLICANT_NAMES.get(email, ("", ""))
    user, created = User.objects.get_or_create(
        username=email, defaults={"email": email, "first_name": first_name, "last_name": last_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _cast() -> Cast | None:
    User = get_user_model()
    secretariat = User.objects.filter(groups__name=SECRETARIAT).order_by("pk").first()
    reviewers = list(User.objects.filter(groups__name=REVIEWERS).order_by("pk")[:2])
    committee = list(User.objects.filter(groups__name=EXECUTIVE_COMMITTEE).order_by("pk"))
    if secretariat is None or len(reviewers) < 2 or len(committee) < 2:
        return None
    return Cast(secretariat=secretariat, reviewers=reviewers, committee=committee)


@transaction.atomic
def seed_demo_applications() -> int:
    """Create the demo applications that do not exist yet, each through the services to its stage
    and then moved back in time; return how many were created."""
    cast = _cast()
    if cast is None:
        return 0
    created = 0
    for demo in DEMO_APPLICATIONS:
        if MembershipApplication.objects.filter(name=demo.data["name"]).exists():
            continue
        applicant = _user(demo.applicant)
        application = services.application_create(
            applicant=applicant,
            data=demo.data,
            contacts=[
                {
                    "name": "International officer",
                    "role": "International officer",
                    "email": demo.data["email"],
                }
            ],
        )
        for step in _steps_to(demo.stage):
            application = step(application, applicant, cast)
        _backdate(application, demo.days_ago)
        created += 1
    return created
