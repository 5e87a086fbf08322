"""Authorization everywhere: every URL pattern of the project by every role, against ONE table.

``TABLE`` maps each URL pattern (as Django joins it: ``ResolverMatch.route``) to what each role
gets for GET and POST (and PATCH under /api/): a status code, ``LOGIN`` (a redirect to the log-in
page), or ``→/path/`` (a redirect there; ``{pk}`` is the application's id, ``{slug}`` the member
union's). Routes that name an
application (``pk``) are walked twice: on applicant A's application under review (its assigned
reviewer's review pending) and, as ``"<route> [draft]"``, on A's draft.

A URL pattern without a row fails ``test_every_url_pattern_has_a_row``, and the walk prints
what each role got, in the table's syntax, for someone to check and paste: a new URL forces a
decision. A row for a pattern that no longer exists fails too.

The admin (``/admin/…``, about 90 patterns, one per model and action) is covered by a rule and
a few rows rather than one row per pattern (``test_admin_urls_follow_the_admin_rule``): every
admin pattern is walked, and

- every role that is not staff (anonymous, applicants, reviewers, committee, partner keys)
  gets ``ADMIN_LOGIN``, a redirect to the admin's log-in (which sends on to the site's), for
  GET and POST, except on the log-in and log-out pages themselves, which have rows in ``TABLE``;
- the secretariat gets what ``ADMIN_SECRETARIAT`` says on its representative rows, 403 on the
  user, e-mail address and two-factor admin (it holds no permission there: no way to raise its
  own rights), and never a server error anywhere.

Roles: ``tests/hardening/conftest.py`` (``ROLES``). The partner-key roles send
``Authorization: Api-Key …`` on every request; pages ignore it (they are anonymous there). The
"committee applicant" is a member of the Executive Committee who is the walked application's
applicant (``World.take_role``): a conflict of interest, so they get what applicant A gets, and
the committee's page sends them to their status page.
representative of this union (the world's affiliate) and of another union hold no role: a row
that leaves them out gives them applicant B's answer; the member area's rows name theirs.
Every request runs in a rolled-back savepoint (``walker.py``), and a refused one must write
nothing to the database but its session.
"""

import pytest

from tests.hardening.conftest import ROLES, SIGNED_IN
from tests.hardening.urlwalk import ADMIN_LOGIN, LOGIN, routes
from tests.hardening.walker import route_values, walk_route

pytestmark = pytest.mark.django_db

GET, POST, PATCH = "GET", "POST", "PATCH"

# Where redirects lead ({pk}: the application's id).
TO_COMMITTEE_PAGE = "→/committee/applications/{pk}/"
TO_STATUS = "→/applications/{pk}/"
TO_DOCUMENTS = "→/applications/{pk}/documents/"
TO_REVIEW = "→/applications/{pk}/review/"
TO_DELETE = "→/applications/{pk}/delete/"
TO_MY_APPLICATIONS = "→/applications/"
TO_QUEUE = "→/committee/"
TO_HOME = "→/"
TO_ADMIN = "→/admin/"
TO_TOKENS = "→/account/tokens/"
TO_PROFILE = "→/account/profile/"
TO_REAUTHENTICATE = "→/accounts/reauthenticate/"
TO_REAUTH_CODE = "→/accounts/reauthenticate/code/"
TO_PASSWORD_CHANGE = "→/accounts/password/change/"
TO_EMAIL = "→/accounts/email/"
TO_RESET_DONE = "→/accounts/password/reset/done/"
TO_MEMBER_UNION = "→/member/{slug}/"
TO_CHANGE_REQUESTS = "→/committee/change-requests/"
TO_IMPORT = "→/committee/import/"


SAME_AS_B = object()


def row(
    anonymous,
    applicant_a,
    applicant_b,
    secretariat,
    assigned_reviewer,
    other_reviewer,
    committee,
    committee_applicant,
    partner_key,
    revoked_key,
    rep_this=SAME_AS_B,
    rep_other=SAME_AS_B,
):
    """One answer per role. The representatives of this union (the world's affiliate) and of
    another union hold no role: where a row leaves them out, they get what applicant B gets."""
    rep_this = applicant_b if rep_this is SAME_AS_B else rep_this
    rep_other = applicant_b if rep_other is SAME_AS_B else rep_other
    return dict(
        zip(
            ROLES,
            [
                anonymous,
                applicant_a,
                applicant_b,
                secretariat,
                assigned_reviewer,
                other_reviewer,
                committee,
                committee_applicant,
                partner_key,
                revoked_key,
                rep_this,
                rep_other,
            ],
            strict=True,
        )
    )


def same(outcome):
    return dict.fromkeys(ROLES, outcome)


TABLE = {
    # --- public pages -----------------------------------------------------------------------------
    "": {
        GET: same(200),
        POST: same(405),
    },
    "healthz": {
        GET: same(200),
        POST: same(405),
    },
    "directory/": {
        GET: same(200),
        POST: same(405),
    },
    "directory/<slug:slug>/": {
        GET: same(200),
        POST: same(405),
    },
    "privacy/": {
        GET: same(200),
        POST: same(405),
    },
    "statistics/": {
        GET: same(200),
        POST: same(405),
    },
    # The Executive Committee's public decisions: everyone.
    "decisions/": {
        GET: same(200),
        POST: same(405),
    },
    # The language switcher (Django's set_language): POST only, back to the page (here: none given, "/").
    "language/": {
        GET: same(405),
        POST: same("→/"),
    },
    # The admin's log-in is allauth's (config/urls.py): people are sent to the site's log-in;
    # signed-in people who are not staff are refused. Every other admin URL: the admin rule below.
    "admin/login/": {
        GET: row(LOGIN, 403, 403, TO_ADMIN, 403, 403, 403, 403, LOGIN, LOGIN),
        POST: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN),
    },
    "admin/logout/": {
        GET: row(
            TO_ADMIN, TO_ADMIN, TO_ADMIN, 405, TO_ADMIN, TO_ADMIN, TO_ADMIN, TO_ADMIN, TO_ADMIN, TO_ADMIN
        ),
        POST: row(
            TO_ADMIN, TO_ADMIN, TO_ADMIN, 200, TO_ADMIN, TO_ADMIN, TO_ADMIN, TO_ADMIN, TO_ADMIN, TO_ADMIN
        ),
    },
    # --- the partner API: open to all; a revoked key is refused (403), never taken as anonymous -----
    "api/v1/affiliates/": {
        GET: row(200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
        POST: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
        PATCH: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
    },
    "api/v1/affiliates/<slug:slug>/": {
        GET: row(200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
        POST: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
        PATCH: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
    },
    "api/v1/regions/": {
        GET: row(200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
        POST: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
        PATCH: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
    },
    # The Executive Committee's public decisions, as the /decisions/ page: open to all.
    "api/v1/decisions/": {
        GET: row(200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
        POST: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
        PATCH: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
    },
    "api/v1/changes/": {
        GET: row(200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
        POST: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
        PATCH: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
    },
    # --- a partner key's webhook endpoints: its holder only; people and anonymous callers get 401
    # with the challenge "Api-Key" (partner-key authentication only), a revoked key 403; an empty
    # body is a 400.
    "api/v1/webhooks/$": {
        GET: row(401, 401, 401, 401, 401, 401, 401, 401, 200, 403, 401, 401),
        POST: row(401, 401, 401, 401, 401, 401, 401, 401, 400, 403, 401, 401),
        PATCH: row(401, 401, 401, 401, 401, 401, 401, 401, 405, 403, 401, 401),
    },
    "api/v1/webhooks/(?P<webhook_id>[0-9]{1,18})/$": {
        GET: row(401, 401, 401, 401, 401, 401, 401, 401, 200, 403, 401, 401),
        POST: row(401, 401, 401, 401, 401, 401, 401, 401, 405, 403, 401, 401),
        PATCH: row(401, 401, 401, 401, 401, 401, 401, 401, 200, 403, 401, 401),
    },
    "api/v1/webhooks/(?P<webhook_id>[0-9]{1,18})/deliveries/$": {
        GET: row(401, 401, 401, 401, 401, 401, 401, 401, 200, 403, 401, 401),
        POST: row(401, 401, 401, 401, 401, 401, 401, 401, 405, 403, 401, 401),
        PATCH: row(401, 401, 401, 401, 401, 401, 401, 401, 405, 403, 401, 401),
    },
    "api/v1/webhooks/(?P<webhook_id>[0-9]{1,18})/deliveries/(?P<delivery_id>[0-9]{1,18})/redeliver/$": {
        GET: row(401, 401, 401, 401, 401, 401, 401, 401, 405, 403, 401, 401),
        POST: row(401, 401, 401, 401, 401, 401, 401, 401, 202, 403, 401, 401),
        PATCH: row(401, 401, 401, 401, 401, 401, 401, 401, 405, 403, 401, 401),
    },
    "api/v1/webhooks/(?P<webhook_id>[0-9]{1,18})/rotate-secret/$": {
        GET: row(401, 401, 401, 401, 401, 401, 401, 401, 405, 403, 401, 401),
        POST: row(401, 401, 401, 401, 401, 401, 401, 401, 200, 403, 401, 401),
        PATCH: row(401, 401, 401, 401, 401, 401, 401, 401, 405, 403, 401, 401),
    },
    "api/schema/": {
        GET: row(200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
        POST: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
        PATCH: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
    },
    "api/docs/": {
        GET: row(200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
        POST: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
        PATCH: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
    },
    "api/redoc/": {
        GET: row(200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
        POST: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
        PATCH: row(405, 405, 405, 405, 405, 405, 405, 405, 405, 403),
    },
    # --- the workflow API: people only (401 without credentials, 403 for partner keys); an
    # application the caller may not see is 404. Reviewers and the committee see every application
    # past the draft (workflows.rules.may_view); only the applicant changes it; the services answer
    # 409 to an action the state does not allow, 403 to a person who may not take it.
    # --- decisions on members through the API: the committee reads every motion, a union's
    # representatives their union's; only the secretariat acts, voters vote; an empty body is a 400.
    "api/v1/motions/$": {
        GET: row(401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 200, 200),
        POST: row(401, 400, 400, 400, 400, 400, 400, 400, 403, 403, 400, 400),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/motions/(?P<motion_id>[0-9]{1,18})/$": {
        GET: row(401, 404, 404, 200, 200, 200, 200, 200, 403, 403, 200, 404),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/motions/(?P<motion_id>[0-9]{1,18})/ballots/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 403, 403, 403, 201, 201, 403, 403, 403, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/motions/(?P<motion_id>[0-9]{1,18})/close-vote/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 200, 403, 403, 403, 403, 403, 403, 403, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/motions/(?P<motion_id>[0-9]{1,18})/confirm/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 400, 400, 400, 400, 400, 403, 403, 400, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/motions/(?P<motion_id>[0-9]{1,18})/drop/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 400, 400, 400, 400, 400, 403, 403, 400, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/motions/(?P<motion_id>[0-9]{1,18})/open-vote/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 409, 403, 403, 403, 403, 403, 403, 403, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/motions/(?P<motion_id>[0-9]{1,18})/recusal/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 403, 403, 403, 200, 200, 403, 403, 403, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/motions/(?P<motion_id>[0-9]{1,18})/rounds/$": {
        GET: row(401, 404, 404, 200, 200, 200, 200, 200, 403, 403, 200, 404),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    # --- the Executive Committee's meetings through the API: its members read them, anyone else is
    # refused the list (403) and meets no meeting (404); the secretariat prepares and convenes, the
    # chair, the minute-taker or the secretariat open and close the session (the walked meeting is
    # convened, chaired by "committee" and minuted by "committee applicant": they may open it, and
    # closing a meeting not in session is a 409); a body of the wrong shape is a 400.
    # Removing an agenda item (DELETE) and recording attendance (PUT) are in the permission table
    # (tests/api/test_applications_permissions.py).
    "api/v1/meetings/$": {
        GET: row(401, 403, 403, 200, 403, 403, 200, 200, 403, 403, 403, 403),
        POST: row(401, 400, 400, 400, 400, 400, 400, 400, 403, 403, 400, 400),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/$": {
        GET: row(401, 404, 404, 200, 404, 404, 200, 200, 403, 403, 404, 404),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        PATCH: row(401, 404, 404, 400, 404, 404, 400, 400, 403, 403, 404, 404),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/agenda/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 400, 404, 404, 403, 403, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/agenda/(?P<item_id>[0-9]{1,18})/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/agenda/reorder/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 400, 404, 404, 400, 400, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/attendance/(?P<member_id>[0-9]{1,18})/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/cancel/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 200, 404, 404, 403, 403, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/close/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 409, 404, 404, 409, 409, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/convene/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 409, 404, 404, 403, 403, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/open-session/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 200, 404, 404, 200, 200, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    # Votes on an agenda item and the minutes: the walked meeting's item is a report (no vote: the
    # body names no mode, a 400 before that) and the meeting is convened, so it has no minutes yet
    # (404 to those who may see it); approving minutes needs an item that carries them (409).
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/agenda/(?P<item_id>[0-9]{1,18})/vote/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 400, 404, 404, 400, 400, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/agenda/(?P<item_id>[0-9]{1,18})/vote/named/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 400, 404, 404, 400, 400, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/agenda/(?P<item_id>[0-9]{1,18})/vote/counted/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 400, 404, 404, 400, 400, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/agenda/(?P<item_id>[0-9]{1,18})/vote/close/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 409, 404, 404, 409, 409, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/agenda/(?P<item_id>[0-9]{1,18})/approve-minutes/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 409, 404, 404, 409, 409, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/minutes/$": {
        GET: row(401, 404, 404, 404, 404, 404, 404, 404, 403, 403, 404, 404),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/minutes\\.pdf$": {
        GET: row(401, 404, 404, 404, 404, 404, 404, 404, 403, 403, 404, 404),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/minutes/items/(?P<item_id>[0-9]{1,18})/summary/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/meetings/(?P<meeting_id>[0-9]{1,18})/minutes/circulate/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
        POST: row(401, 404, 404, 404, 404, 404, 404, 404, 403, 403, 404, 404),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403, 405, 405),
    },
    "api/v1/applications/$": {
        GET: row(401, 200, 200, 200, 200, 200, 200, 200, 403, 403),
        POST: row(401, 201, 201, 201, 201, 201, 201, 201, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/$": {
        GET: row(401, 200, 404, 200, 200, 200, 200, 200, 403, 403),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        PATCH: row(401, 409, 404, 403, 403, 403, 403, 409, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/$ [draft]": {
        GET: row(401, 200, 404, 200, 404, 404, 404, 200, 403, 403),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        PATCH: row(401, 200, 404, 403, 404, 404, 404, 200, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/ballots/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 409, 409, 409, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/ballots/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/close-vote/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 409, 403, 403, 403, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/close-vote/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 409, 404, 404, 404, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/complete-review/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 409, 403, 403, 403, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/complete-review/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    # At screening the secretariat links an application to a former member (a re-application) or
    # confirms it is a new organization.
    "api/v1/applications/(?P<pk>[0-9]{1,18})/confirm-distinct/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 200, 403, 403, 403, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/confirm-distinct/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 409, 404, 404, 404, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    # Its author confirms or revises a review: nobody has one here (the assigned reviewer's is pending).
    "api/v1/applications/(?P<pk>[0-9]{1,18})/confirm-review/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 403, 403, 403, 403, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/confirm-review/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/documents/(?P<doc_id>[0-9]{1,18})/$": {
        GET: row(401, 200, 404, 200, 200, 200, 200, 200, 403, 403),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/documents/(?P<doc_id>[0-9]{1,18})/$ [draft]": {
        GET: row(401, 200, 404, 200, 404, 404, 404, 200, 403, 403),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/documents/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 403, 403, 403, 403, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/documents/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 201, 404, 403, 404, 404, 404, 201, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/history/$": {
        GET: row(401, 200, 404, 200, 200, 200, 200, 200, 403, 403),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/history/$ [draft]": {
        GET: row(401, 200, 404, 200, 404, 404, 404, 200, 403, 403),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/link-organization/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 200, 403, 403, 403, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/link-organization/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 409, 404, 404, 404, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/open-vote/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 409, 409, 409, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/open-vote/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/recusal/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 409, 409, 409, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/recusal/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/reject/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 409, 409, 409, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/reject/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/request-info/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 200, 403, 403, 403, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/request-info/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/resubmit/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 409, 409, 409, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/resubmit/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/reviews/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 403, 201, 403, 403, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/reviews/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/revise-review/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 403, 404, 403, 403, 403, 403, 403, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/revise-review/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/rounds/$": {
        GET: row(401, 200, 404, 200, 200, 200, 200, 200, 403, 403),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/rounds/$ [draft]": {
        GET: row(401, 200, 404, 200, 404, 404, 404, 200, 403, 403),
        POST: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/start-review/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 409, 409, 409, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/start-review/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/submit/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 409, 409, 409, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/submit/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 200, 404, 403, 404, 404, 404, 200, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/withdraw/$": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 200, 404, 403, 403, 403, 403, 200, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    "api/v1/applications/(?P<pk>[0-9]{1,18})/withdraw/$ [draft]": {
        GET: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
        POST: row(401, 409, 404, 409, 404, 404, 404, 409, 403, 403),
        PATCH: row(401, 405, 405, 405, 405, 405, 405, 405, 403, 403),
    },
    r"api/(?P<path>[\s\S]*)$": {
        GET: same(404),
        POST: same(404),
        PATCH: same(404),
    },
    # --- allauth: every URL it mounts (accounts/, 2fa/) ------------------------------------------
    "accounts/login/": {
        GET: row(
            200,
            TO_MY_APPLICATIONS,
            TO_MY_APPLICATIONS,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            200,
            200,
        ),
        POST: row(
            200,
            TO_MY_APPLICATIONS,
            TO_MY_APPLICATIONS,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            200,
            200,
        ),
    },
    "accounts/logout/": {
        GET: row(TO_HOME, 200, 200, 200, 200, 200, 200, 200, TO_HOME, TO_HOME),
        POST: same(TO_HOME),
    },
    "accounts/inactive/": {
        GET: same(200),
        POST: same(405),
    },
    "accounts/signup/": {
        GET: row(
            200,
            TO_MY_APPLICATIONS,
            TO_MY_APPLICATIONS,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            200,
            200,
        ),
        POST: row(
            200,
            TO_MY_APPLICATIONS,
            TO_MY_APPLICATIONS,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            200,
            200,
        ),
    },
    "accounts/reauthenticate/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
    },
    "accounts/reauthenticate/code/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
    },
    "accounts/reauthenticate/code/confirm/": {
        GET: row(
            LOGIN,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            LOGIN,
            LOGIN,
        ),
        POST: row(
            LOGIN,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            TO_REAUTH_CODE,
            LOGIN,
            LOGIN,
        ),
    },
    "accounts/email/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: row(LOGIN, TO_EMAIL, TO_EMAIL, TO_EMAIL, TO_EMAIL, TO_EMAIL, TO_EMAIL, TO_EMAIL, LOGIN, LOGIN),
    },
    "accounts/confirm-email/": {
        GET: same(200),
        POST: same(405),
    },
    "accounts/password/change/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
    },
    "accounts/password/set/": {
        GET: row(
            LOGIN,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            LOGIN,
            LOGIN,
        ),
        POST: row(
            LOGIN,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            TO_PASSWORD_CHANGE,
            LOGIN,
            LOGIN,
        ),
    },
    "accounts/password/reset/": {
        GET: same(200),
        POST: same(TO_RESET_DONE),
    },
    "accounts/login/code/confirm/": {
        GET: row(
            LOGIN,
            TO_MY_APPLICATIONS,
            TO_MY_APPLICATIONS,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            LOGIN,
            LOGIN,
        ),
        POST: row(
            LOGIN,
            TO_MY_APPLICATIONS,
            TO_MY_APPLICATIONS,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            LOGIN,
            LOGIN,
        ),
    },
    "accounts/confirm-email/(?P<key>[-:\\w]+)/$": {
        GET: same(200),
        POST: same(404),
    },
    "accounts/password/reset/key/done/": {
        GET: same(200),
        POST: same(405),
    },
    "accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": {
        GET: same(200),
        POST: same(200),
    },
    "accounts/password/reset/done/": {
        GET: same(200),
        POST: same(405),
    },
    "accounts/2fa/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: row(LOGIN, 405, 405, 405, 405, 405, 405, 405, LOGIN, LOGIN),
    },
    "accounts/2fa/authenticate/": {
        GET: row(
            LOGIN,
            TO_MY_APPLICATIONS,
            TO_MY_APPLICATIONS,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            LOGIN,
            LOGIN,
        ),
        POST: row(
            LOGIN,
            TO_MY_APPLICATIONS,
            TO_MY_APPLICATIONS,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            TO_QUEUE,
            LOGIN,
            LOGIN,
        ),
    },
    "accounts/2fa/reauthenticate/": {
        GET: row(
            LOGIN,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            200,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            200,
            200,
            LOGIN,
            LOGIN,
        ),
        POST: row(
            LOGIN,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            200,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            200,
            200,
            LOGIN,
            LOGIN,
        ),
    },
    "accounts/2fa/totp/activate/": {
        GET: row(
            LOGIN,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            LOGIN,
            LOGIN,
        ),
        POST: row(
            LOGIN,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            LOGIN,
            LOGIN,
        ),
    },
    "accounts/2fa/totp/deactivate/": {
        GET: row(
            LOGIN, 404, 404, TO_REAUTHENTICATE, 404, 404, TO_REAUTHENTICATE, TO_REAUTHENTICATE, LOGIN, LOGIN
        ),
        POST: row(
            LOGIN, 404, 404, TO_REAUTHENTICATE, 404, 404, TO_REAUTHENTICATE, TO_REAUTHENTICATE, LOGIN, LOGIN
        ),
    },
    "accounts/2fa/recovery-codes/": {
        GET: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN),
        POST: row(LOGIN, 405, 405, 405, 405, 405, 405, 405, LOGIN, LOGIN),
    },
    "accounts/2fa/recovery-codes/generate/": {
        GET: row(
            LOGIN,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            LOGIN,
            LOGIN,
        ),
        POST: row(
            LOGIN,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            TO_REAUTHENTICATE,
            LOGIN,
            LOGIN,
        ),
    },
    "accounts/2fa/recovery-codes/download/": {
        GET: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN),
        POST: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN),
    },
    # --- personal API tokens: one's own only (another's prefix is 404) ----------------------------
    "account/tokens/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
    },
    "account/tokens/<str:prefix>/revoke/": {
        GET: same(405),
        POST: row(LOGIN, TO_TOKENS, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN),
    },
    # --- one's own name (the walk's POST carries a name: it is saved, then the page again) -------------
    "account/profile/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: row(
            LOGIN,
            TO_PROFILE,
            TO_PROFILE,
            TO_PROFILE,
            TO_PROFILE,
            TO_PROFILE,
            TO_PROFILE,
            TO_PROFILE,
            LOGIN,
            LOGIN,
        ),
    },
    # --- the applicant portal: 404 to everyone but the applicant on every application URL (the
    # secretariat and, past the draft, reviewers and committee are sent to the committee's page) --
    "applications/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: same(405),
    },
    "applications/new/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN),
    },
    "applications/<int:pk>/": {
        GET: row(
            LOGIN,
            200,
            404,
            TO_COMMITTEE_PAGE,
            TO_COMMITTEE_PAGE,
            TO_COMMITTEE_PAGE,
            TO_COMMITTEE_PAGE,
            200,
            LOGIN,
            LOGIN,
        ),
        POST: same(405),
    },
    "applications/<int:pk>/ [draft]": {
        GET: row(LOGIN, 200, 404, TO_COMMITTEE_PAGE, 404, 404, 404, 200, LOGIN, LOGIN),
        POST: same(405),
    },
    "applications/<int:pk>/edit/": {
        GET: row(LOGIN, TO_STATUS, 404, 404, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
        POST: row(LOGIN, TO_STATUS, 404, 404, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
    },
    "applications/<int:pk>/edit/ [draft]": {
        GET: row(LOGIN, 200, 404, 404, 404, 404, 404, 200, LOGIN, LOGIN),
        POST: row(LOGIN, 200, 404, 404, 404, 404, 404, 200, LOGIN, LOGIN),
    },
    "applications/<int:pk>/documents/": {
        GET: row(LOGIN, 200, 404, 404, 404, 404, 404, 200, LOGIN, LOGIN),
        POST: row(LOGIN, TO_STATUS, 404, 404, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
    },
    "applications/<int:pk>/documents/ [draft]": {
        GET: row(LOGIN, 200, 404, 404, 404, 404, 404, 200, LOGIN, LOGIN),
        POST: row(LOGIN, TO_DOCUMENTS, 404, 404, 404, 404, 404, TO_DOCUMENTS, LOGIN, LOGIN),
    },
    "applications/<int:pk>/documents/<int:doc_id>/": {
        GET: row(LOGIN, 200, 404, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: same(405),
    },
    "applications/<int:pk>/documents/<int:doc_id>/ [draft]": {
        GET: row(LOGIN, 200, 404, 200, 404, 404, 404, 200, LOGIN, LOGIN),
        POST: same(405),
    },
    "applications/<int:pk>/documents/<int:doc_id>/remove/": {
        GET: same(405),
        POST: row(LOGIN, TO_DOCUMENTS, 404, 404, 404, 404, 404, TO_DOCUMENTS, LOGIN, LOGIN),
    },
    "applications/<int:pk>/documents/<int:doc_id>/remove/ [draft]": {
        GET: same(405),
        POST: row(LOGIN, TO_DOCUMENTS, 404, 404, 404, 404, 404, TO_DOCUMENTS, LOGIN, LOGIN),
    },
    "applications/<int:pk>/review/": {
        GET: row(LOGIN, 200, 404, 404, 404, 404, 404, 200, LOGIN, LOGIN),
        POST: same(405),
    },
    "applications/<int:pk>/review/ [draft]": {
        GET: row(LOGIN, 200, 404, 404, 404, 404, 404, 200, LOGIN, LOGIN),
        POST: same(405),
    },
    "applications/<int:pk>/submit/": {
        GET: same(405),
        POST: row(LOGIN, TO_REVIEW, 404, 404, 404, 404, 404, TO_REVIEW, LOGIN, LOGIN),
    },
    "applications/<int:pk>/submit/ [draft]": {
        GET: same(405),
        POST: row(LOGIN, TO_STATUS, 404, 404, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
    },
    "applications/<int:pk>/withdraw/": {
        GET: row(LOGIN, 200, 404, 404, 404, 404, 404, 200, LOGIN, LOGIN),
        POST: row(LOGIN, TO_STATUS, 404, 404, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
    },
    # A draft is deleted, never withdrawn: the page leads to its deletion.
    "applications/<int:pk>/withdraw/ [draft]": {
        GET: row(LOGIN, TO_DELETE, 404, 404, 404, 404, 404, TO_DELETE, LOGIN, LOGIN),
        POST: row(LOGIN, TO_STATUS, 404, 404, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
    },
    "applications/<int:pk>/delete/": {
        GET: row(LOGIN, TO_STATUS, 404, 404, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
        POST: row(LOGIN, TO_STATUS, 404, 404, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
    },
    "applications/<int:pk>/delete/ [draft]": {
        GET: row(LOGIN, 200, 404, 404, 404, 404, 404, 200, LOGIN, LOGIN),
        POST: row(LOGIN, TO_MY_APPLICATIONS, 404, 404, 404, 404, 404, TO_MY_APPLICATIONS, LOGIN, LOGIN),
    },
    # --- the committee pages: 403 to people without a committee role, 404 for a draft to reviewers;
    # a committee member never sees their own application there (conflict of interest): to its status page
    "committee/": {
        GET: row(LOGIN, 403, 403, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: same(405),
    },
    # The committee's statistics: every committee role, the committee applicant included (no case of theirs in it).
    "committee/statistics/": {
        GET: row(LOGIN, 403, 403, 200, 200, 200, 200, 200, LOGIN, LOGIN),
        POST: same(405),
    },
    "committee/applications/<int:pk>/": {
        GET: row(LOGIN, 403, 403, 200, 200, 200, 200, TO_STATUS, LOGIN, LOGIN),
        POST: row(
            LOGIN,
            403,
            403,
            TO_COMMITTEE_PAGE,
            TO_COMMITTEE_PAGE,
            TO_COMMITTEE_PAGE,
            TO_COMMITTEE_PAGE,
            TO_STATUS,
            LOGIN,
            LOGIN,
        ),
    },
    "committee/applications/<int:pk>/ [draft]": {
        GET: row(LOGIN, 403, 403, 200, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
        POST: row(LOGIN, 403, 403, TO_COMMITTEE_PAGE, 404, 404, 404, TO_STATUS, LOGIN, LOGIN),
    },
    # --- the member area: a union's pages answer 404 to anyone who does not represent it (the
    # secretariat included: it keeps the registry in the admin); anonymous visitors log in first --------
    "member/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN, 200, 200),
        POST: same(405),
    },
    "member/<slug:slug>/": {
        GET: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, 200, 404),
        POST: same(405),
    },
    "member/<slug:slug>/profile/": {
        GET: same(405),
        POST: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, TO_MEMBER_UNION, 404),
    },
    "member/<slug:slug>/invitations/": {
        GET: same(405),
        POST: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, TO_MEMBER_UNION, 404),
    },
    "member/<slug:slug>/invitations/<int:invitation_id>/revoke/": {
        GET: same(405),
        POST: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, TO_MEMBER_UNION, 404),
    },
    "member/<slug:slug>/representatives/<int:representative_id>/remove/": {
        GET: same(405),
        POST: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, TO_MEMBER_UNION, 404),
    },
    "member/<slug:slug>/representatives/<int:representative_id>/primary/": {
        GET: same(405),
        POST: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, TO_MEMBER_UNION, 404),
    },
    "member/<slug:slug>/change-requests/": {
        GET: same(405),
        POST: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, TO_MEMBER_UNION, 404),
    },
    "member/<slug:slug>/motions/": {
        GET: same(405),
        POST: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, 400, 404),
    },
    # Decisions on members: the committee reads them (a union's representatives hear the outcome in
    # their member area); only the secretariat proposes. An empty POST is a form error.
    "committee/motions/": {
        GET: row(LOGIN, 403, 403, 200, 200, 200, 200, 200, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    "committee/motions/<int:motion_id>/": {
        GET: row(LOGIN, 403, 403, 200, 200, 200, 200, 200, LOGIN, LOGIN, 403, 403),
        POST: row(LOGIN, 403, 403, 400, 400, 400, 400, 400, LOGIN, LOGIN, 403, 403),
    },
    # Meetings of the Executive Committee: its members and the secretariat (reviewers are refused);
    # the secretariat alone creates and edits. The walk's POST names no action of the meeting's
    # page, nor a meeting's fields: 400, nothing written.
    "committee/meetings/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 200, 200, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    "committee/meetings/new/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: row(LOGIN, 403, 403, 400, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
    },
    "committee/meetings/<int:meeting_id>/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 200, 200, LOGIN, LOGIN, 403, 403),
        POST: row(LOGIN, 403, 403, 400, 403, 403, 400, 400, LOGIN, LOGIN, 403, 403),
    },
    "committee/meetings/<int:meeting_id>/edit/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: row(LOGIN, 403, 403, 400, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
    },
    # A meeting's minutes exist once it is closed: the walked meeting is convened, so those who may
    # read it meet no minutes (404), and the PDF takes no POST.
    "committee/meetings/<int:meeting_id>/minutes/": {
        GET: row(LOGIN, 403, 403, 404, 403, 403, 404, 404, LOGIN, LOGIN, 403, 403),
        POST: row(LOGIN, 403, 403, 404, 403, 403, 404, 404, LOGIN, LOGIN, 403, 403),
    },
    "committee/meetings/<int:meeting_id>/minutes.pdf": {
        GET: row(LOGIN, 403, 403, 404, 403, 403, 404, 404, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    "committee/meetings/<int:meeting_id>/papers/<int:paper_id>/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 200, 200, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    "committee/members/<slug:slug>/": {
        GET: row(LOGIN, 403, 403, 200, 200, 200, 200, 200, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    "committee/members/<slug:slug>/motions/": {
        GET: same(405),
        POST: row(LOGIN, 403, 403, 400, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
    },
    # The treasurer's reports: the secretariat only (the walk's GET has no ``?on=``: today's books).
    "committee/dues/reports/receivables/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    "committee/dues/reports/payments/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    "committee/dues/reports/arrears/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    # The lapse list: the whole committee reads it; the secretariat proposes a lapse from it through
    # committee/members/<slug:slug>/motions/.
    "committee/dues/lapse/": {
        GET: row(LOGIN, 403, 403, 200, 200, 200, 200, 200, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    # The yearly return: the page and its form (the walk's POST lacks the year: 400, nothing filed).
    "member/<slug:slug>/return/": {
        GET: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, 200, 404),
        POST: row(LOGIN, 404, 404, 404, 404, 404, 404, 404, LOGIN, LOGIN, 400, 404),
    },
    # The membership certificate: the union's representatives and the secretariat (404 to others,
    # as every page of the union).
    "member/<slug:slug>/certificate/": {
        GET: row(LOGIN, 404, 404, 200, 404, 404, 404, 404, LOGIN, LOGIN, 200, 404),
        POST: same(405),
    },
    "member/<slug:slug>/certificate/pdf/": {
        GET: row(LOGIN, 404, 404, 200, 404, 404, 404, 404, LOGIN, LOGIN, 200, 404),
        POST: same(405),
    },
    # The union's dues: its statement, an invoice and its PDF, for its representatives and the
    # secretariat (404 to others, as every page of the union).
    "member/<slug:slug>/dues/": {
        GET: row(LOGIN, 404, 404, 200, 404, 404, 404, 404, LOGIN, LOGIN, 200, 404),
        POST: same(405),
    },
    "member/<slug:slug>/dues/<int:invoice_id>/": {
        GET: row(LOGIN, 404, 404, 200, 404, 404, 404, 404, LOGIN, LOGIN, 200, 404),
        POST: same(405),
    },
    "member/<slug:slug>/dues/<int:invoice_id>/pdf/": {
        GET: row(LOGIN, 404, 404, 200, 404, 404, 404, 404, LOGIN, LOGIN, 200, 404),
        POST: same(405),
    },
    # Certificates are public to check: the published keys, and the verification of a token (the
    # walk's token is not a certificate: 400).
    ".well-known/federation-registry-keys.json": {
        GET: same(200),
        POST: same(405),
    },
    "verify/<str:token>/": {
        GET: same(400),
        POST: same(405),
    },
    # The invitation (to rep_other's confirmed address): the link's holder sees what it is; only
    # the invited address accepts it (403 for every other account).
    "invitations/<str:token>/": {
        GET: row(LOGIN, 200, 200, 200, 200, 200, 200, 200, LOGIN, LOGIN, 200, 200),
        POST: row(LOGIN, 403, 403, 403, 403, 403, 403, 403, LOGIN, LOGIN, 403, TO_MEMBER_UNION),
    },
    # The secretariat's change requests: 403 to everyone else signed in.
    "committee/change-requests/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    "committee/change-requests/<int:request_id>/": {
        GET: same(405),
        POST: row(LOGIN, 403, 403, TO_CHANGE_REQUESTS, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
    },
    # The secretariat's import of the member list: an empty upload is a form error (400); a confirmation
    # without its report's hashes goes back to the upload form.
    "committee/import/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: row(LOGIN, 403, 403, 400, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
    },
    "committee/import/<int:upload_id>/confirm/": {
        GET: same(405),
        POST: row(LOGIN, 403, 403, TO_IMPORT, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
    },
    # The dues pages: the secretariat's only (it keeps the books). The walk's POSTs carry no form:
    # an unknown action, no file, no dry run to confirm: 400, nothing written.
    "committee/dues/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: same(405),
    },
    "committee/dues/<int:membership_id>/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: row(LOGIN, 403, 403, 400, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
    },
    "committee/dues/import/": {
        GET: row(LOGIN, 403, 403, 200, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
        POST: row(LOGIN, 403, 403, 400, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
    },
    "committee/dues/import/confirm/": {
        GET: same(405),
        POST: row(LOGIN, 403, 403, 400, 403, 403, 403, 403, LOGIN, LOGIN, 403, 403),
    },
}

# --- the admin: a rule for everyone but the secretariat, and representative rows for it -------------

ADMIN_OWN_ROWS = {"admin/login/", "admin/logout/"}  # in TABLE, every role
# Apps whose admin the secretariat may not open at all (accounts and their second factors).
ADMIN_FORBIDDEN_APPS = {"auth", "account", "mfa"}
ADMIN_SECRETARIAT = {
    "admin/": {GET: 200},
    "admin/(?P<app_label>auth|account|mfa|registry|notifications|dues|workflows|meetings|api)/$": {
        GET: 200
    },  # /admin/registry/
    "admin/registry/organization/": {GET: 200},
    "admin/registry/organization/<path:object_id>/change/": {GET: 200},
    "admin/registry/organization/<path:object_id>/history/": {GET: 200},
    "admin/registry/membership/<path:object_id>/change/": {GET: 200},
    "admin/workflows/membershipapplication/": {GET: 200},
    "admin/workflows/membershipapplication/<path:object_id>/change/": {GET: 200, POST: 403},
    "admin/workflows/membershipapplication/add/": {GET: 403, POST: 403},
    "admin/workflows/membershipapplication/<path:object_id>/delete/": {GET: 403, POST: 403},
    "admin/workflows/membershipapplication/<path:object_id>/transition/<slug:name>/": {GET: 200},
    "admin/workflows/membershipapplication/<path:object_id>/document/<int:document_id>/": {GET: 200},
    "admin/notifications/notification/add/": {GET: 403, POST: 403},
    "admin/dues/payment/": {GET: 200},
    "admin/dues/payment/add/": {GET: 403, POST: 403},
    "admin/dues/invoice/": {GET: 200},
    "admin/workflows/voteround/add/": {GET: 403, POST: 403},
    "admin/meetings/meeting/": {GET: 200},  # read-only: meetings change through meetings.services
    "admin/meetings/meeting/add/": {GET: 403, POST: 403},
    "admin/meetings/meeting/<path:object_id>/delete/": {GET: 403, POST: 403},
    "admin/api/partnerkey/": {GET: 200},
    "admin/api/partnerkey/add/": {GET: 200},
    "admin/api/webhookendpoint/": {GET: 200},
    "admin/api/webhookendpoint/add/": {GET: 200},
    "admin/api/webhookendpoint/<path:object_id>/change/": {GET: 200},
    "admin/api/webhookdelivery/": {GET: 200},
    "admin/api/webhookdelivery/add/": {GET: 403, POST: 403},
    "admin/api/webhookdelivery/<path:object_id>/change/": {GET: 200},
    "admin/auth/user/": {GET: 403, POST: 403},
    "admin/auth/user/<path:object_id>/change/": {GET: 403, POST: 403},
    "admin/auth/user/<id>/password/": {GET: 403, POST: 403},
    "admin/auth/group/<path:object_id>/change/": {GET: 403, POST: 403},
    "admin/mfa/authenticator/<path:object_id>/delete/": {GET: 403, POST: 403},
    "admin/(?P<url>.*)$": {GET: 404},
}
NOT_STAFF = tuple(role for role in ROLES if role != "secretariat")


def _variants():
    """(table key, route, which application) for every route, and the draft variants."""
    for route in routes():
        if route.is_admin and route.route not in ADMIN_OWN_ROWS:
            continue
        yield route.route, route, "application"
        if "pk" in route.params:
            yield f"{route.route} [draft]", route, "draft"


def _suggest(key: str, observed: dict) -> str:
    """The observed answers in the table's syntax, for a person to check before pasting."""
    lines = [f"    {key!r}: {{"]
    for method in (GET, POST, PATCH):
        if method in observed:
            values = [observed[method][role] for role in ROLES]
            shown = ", ".join(repr(v) for v in values)
            lines.append(f"        {method}: row({shown}),")
    return "\n".join([*lines, "    },"])


def test_every_url_pattern_has_a_row():
    keys = {key for key, _route, _which in _variants()}
    missing = sorted(keys - TABLE.keys())
    stale = sorted(TABLE.keys() - keys)
    stale_admin = sorted(ADMIN_SECRETARIAT.keys() - {r.route for r in routes() if r.is_admin})
    assert not missing, (
        "These URL patterns have no row in TABLE: decide who may open them "
        "(test_each_role_gets_what_the_table_says prints what they answer now): " + ", ".join(missing)
    )
    assert not stale, f"These rows are for URL patterns that no longer exist: {stale}"
    assert not stale_admin, f"These admin rows are for URL patterns that no longer exist: {stale_admin}"


def test_the_table_has_every_role_and_method_in_each_row():
    for key, methods in TABLE.items():
        assert GET in methods, key
        assert POST in methods, key
        assert (PATCH in methods) == key.startswith("api/"), key
        for method, expected in methods.items():
            assert tuple(expected) == ROLES, (key, method)


def test_each_role_gets_what_the_table_says(world):
    mismatches, suggestions, wrote = [], [], []
    for key, route, which in _variants():
        application = world.draft if which == "draft" else world.application
        observed = walk_route(world, route, application=application)
        wrote += [(observed["_path"], *change) for change in observed["_changed_on_refusal"]]
        expected = TABLE.get(key)
        if expected is None:
            suggestions.append(_suggest(key, observed))
            continue
        for method, by_role in expected.items():
            for role, outcome in by_role.items():
                got = observed[method][role]
                if got != outcome:
                    mismatches.append(
                        f"{method} {observed['_path']} as {role}: expected {outcome!r}, got {got!r}"
                    )
    assert not wrote, f"Refused requests that changed the database: {wrote}"
    assert not suggestions, "URL patterns without a row; they answer now:\n" + "\n".join(suggestions)
    assert not mismatches, f"{len(mismatches)} answers differ from TABLE:\n" + "\n".join(mismatches)


def test_admin_urls_follow_the_admin_rule(world):
    problems, wrote, checked = [], [], 0
    for route in routes():
        if not route.is_admin or route.route in ADMIN_OWN_ROWS:
            continue
        observed = walk_route(world, route, methods=(GET, POST))
        wrote += [(observed["_path"], *change) for change in observed["_changed_on_refusal"]]
        app_label = route.template.split("/")[1]
        for method in (GET, POST):
            checked += 1
            for role in NOT_STAFF:
                if observed[method][role] != ADMIN_LOGIN:
                    problems.append(f"{method} {observed['_path']} as {role}: {observed[method][role]!r}")
            got = observed[method]["secretariat"]
            expected = ADMIN_SECRETARIAT.get(route.route, {}).get(method)
            if expected is not None and got != expected:
                problems.append(
                    f"{method} {observed['_path']} as secretariat: expected {expected!r}, got {got!r}"
                )
            if isinstance(got, int) and got >= 500:
                problems.append(f"{method} {observed['_path']} as secretariat: server error {got}")
            if app_label in ADMIN_FORBIDDEN_APPS and not (
                got == 403 or (isinstance(got, str) and got.endswith("/change/"))  # …/<id>/ → …/<id>/change/
            ):
                problems.append(f"{method} {observed['_path']} as secretariat: {got!r}, expected 403")
    assert checked > 100  # every model's admin was walked
    assert not wrote, f"Refused requests that changed the database: {wrote}"
    assert not problems, "\n".join(problems)


# --- applicant B never learns that A's application or documents exist ---------------------------------

NOWHERE = 999_999_999


def _b_answers(world, route, values, *, token=None):
    client = world.client("applicant_b")
    if token is not None:
        client = world.client("anonymous")
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    answers = {}
    for method in (GET, POST, PATCH) if route.route.startswith("api/") else (GET, POST):
        path = route.path(values)
        if method == GET:
            response = client.get(path)
        elif method == PATCH:
            response = client.patch(path, {"name": "Hijacked"}, content_type="application/json")
        elif route.route.startswith("api/") and not route.route.endswith("documents/$"):
            response = client.post(path, {"comment": "x", "choice": "yes"}, content_type="application/json")
        else:
            response = client.post(path, {"expected_state": "draft", "name": "Hijacked", "kind": "other"})
        answers[method] = (response.status_code, response)
    return answers


OBJECT_ROUTES = [r for r in routes() if not r.is_admin and ({"pk", "doc_id"} & set(r.params))]


@pytest.mark.parametrize("via", ["session", "token"])
def test_applicant_b_never_learns_that_a_s_application_or_documents_exist(world, via):
    """On every URL that names an application or a document (pages and API), B's answer for A's
    (draft, under review) is B's answer for an id that exists nowhere: 404 outside the committee
    pages (which refuse B with 403 before looking anything up), never A's data, no change."""
    from accounts.tokens import token_create

    token = token_create(user=world.users["applicant_b"], name="b")[1] if via == "token" else None
    routes_here = [r for r in OBJECT_ROUTES if via == "session" or r.route.startswith("api/")]
    assert routes_here, "no application URL found"
    problems = []
    for application in (world.application, world.draft):
        secret_name = application.name
        for route in routes_here:
            values = route_values(world, route, application=application)
            nowhere = {**values, "pk": NOWHERE, "doc_id": NOWHERE}
            seen = _b_answers(world, route, values, token=token)
            unknown = _b_answers(world, route, nowhere, token=token)
            for method, (status, response) in seen.items():
                where = f"{method} {route.path(values)}"
                if status != unknown[method][0]:
                    problems.append(f"{where}: {status}, but {unknown[method][0]} for an unknown id")
                if status != 404 and not route.route.startswith("committee/") and status != 405:
                    problems.append(f"{where}: {status}, expected 404")
                body = b"" if getattr(response, "streaming", False) else response.content
                if secret_name.encode() in body:
                    problems.append(f"{where}: the answer names A's application")
        # B's own application id with A's document: still nothing.
        for route in [r for r in routes_here if "doc_id" in r.params]:
            values = route_values(world, route, application=application)
            values["pk"] = world.b_application.pk
            status = _b_answers(world, route, values, token=token)[GET][0]
            if status not in (404, 405):
                problems.append(f"GET {route.path(values)} (B's application, A's document): {status}")
    world.application.refresh_from_db()
    world.draft.refresh_from_db()
    assert world.application.name != "Hijacked"
    assert world.draft.name != "Hijacked"
    assert not problems, "\n".join(problems)


def test_every_form_post_needs_a_csrf_token(world):
    """With a session, a POST without the CSRF token is refused (403) on every page and endpoint
    that takes POST; personal tokens and partner keys carry no cookie and need none."""
    problems, checked = [], 0
    for key, route, which in _variants():
        if which == "draft" or route.route.startswith("admin/"):
            continue
        expected = TABLE.get(key, {}).get(POST, {})
        takers = [
            role
            for role in ("anonymous", *SIGNED_IN)
            if expected.get(role) not in (405, 404, 403, 401, LOGIN, None)
        ]
        if not takers:
            continue
        role = takers[0]
        path = route.path(route_values(world, route))
        client = world.client(role, enforce_csrf_checks=True)
        if route.route.startswith("api/"):
            response = client.post(path, {"comment": "x"}, content_type="application/json")
        else:
            response = client.post(path, {"name": "x"})
        checked += 1
        if response.status_code != 403:
            problems.append(f"POST {path} as {role} without CSRF token: {response.status_code}")
    assert checked >= 20
    assert not problems, "\n".join(problems)
