"""The shapes of the workflow API: what comes in, what goes out.

Input serializers check shapes only (types, lengths, enumerations) and hand plain
values to ``workflows.services``; every rule (who may act, in which state, what
an application needs) is the services'. Output serializers read the rows that
``api.workflow_views`` loaded (``select_related`` / ``prefetch_related`` there).
"""

from collections.abc import Mapping

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.people import display_name
from registry.models import EARLIEST_FOUNDING_YEAR, MembershipCategory, OrganizationKind, Region
from registry.validators import LATEST_FOUNDING_YEAR
from workflows import rules
from workflows.models import ApplicationState, BallotChoice, DocumentKind, Recommendation, VoteMode

# Database bound of the integer column (PositiveIntegerField).
INTEGER_MAX = 2_147_483_647
MAX_CONTACTS = 20
MAX_REVIEWERS = 50

# The names of ``workflows.selectors.available_actions`` → the names the API shows.
ACTION_NAMES = {
    "edit": "edit",
    "submit": "submit",
    "resubmit": "resubmit",
    "withdraw": "withdraw",
    "delete": "delete",
    "request_info": "request-info",
    "reject": "reject",
    "start_review": "start-review",
    "complete_review": "complete-review",
    "open_vote": "open-vote",
    "close_vote": "close-vote",
    "review": "review",
    "revise_review": "revise-review",
    "confirm_review": "confirm-review",
    "vote": "vote",
    "recuse": "recuse",
    "link_organization": "link-organization",
    "confirm_distinct": "confirm-distinct",
}


# The JSON type each kind of field takes, as the schema declares it. DRF's fields are lenient
# (a CharField takes 0 as "0", an IntegerField "12" and 12.0, a BooleanField "yes" and 1); the
# API is not: a value of another type is refused, so what the schema says is what is accepted.
JSON_TYPES: list[tuple[type, type | tuple, str]] = [
    (serializers.BooleanField, bool, _("Must be a boolean (true or false).")),
    (serializers.IntegerField, int, _("Must be a whole number.")),
    # An amount of money is text ("1250.00"): a JSON number may lose digits on the way.
    (serializers.DecimalField, str, _('Must be a string: a decimal number such as "1250.00".')),
    (serializers.FileField, object, ""),
    (serializers.ChoiceField, str, _("Must be a string.")),
    (serializers.CharField, str, _("Must be a string.")),
    (serializers.DateTimeField, str, _("Must be a string: an ISO 8601 date-time.")),
    (serializers.ListField, list, _("Must be an array.")),
    (serializers.ListSerializer, list, _("Must be an array.")),
    (serializers.Serializer, dict, _("Must be an object.")),
]


def json_type_error(field: serializers.Field, value) -> str | None:
    """Why ``value`` is not of ``field``'s JSON type (an array's items too), or None."""
    if value is None:
        return None  # the field's allow_null decides
    for field_class, json_type, message in JSON_TYPES:
        if isinstance(field, field_class):
            if not isinstance(value, json_type) or (json_type is int and isinstance(value, bool)):
                return str(message)
            if isinstance(field, serializers.ListField):
                return next(filter(None, (json_type_error(field.child, item) for item in value)), None)
            return None
    return None


def json_type_errors(serializer: serializers.Serializer, data: Mapping) -> dict[str, list[str]]:
    """The keys of ``data`` whose value is not of its field's JSON type, each with a message."""
    errors = {}
    for name, field in serializer.fields.items():
        if not field.read_only and name in data and (message := json_type_error(field, data[name])):
            errors[name] = [message]
    return errors


PATTERN_MESSAGE = _(
    "Not accepted here: one line of text without control characters for names, a valid address "
    "for e-mails and websites, no control characters but line breaks and tabs in free text; see "
    "the field's pattern in the API's schema."
)

# Sent by browsers' forms with a session; the CSRF check reads it, the serializers do not.
IGNORED_INPUT_KEYS = frozenset({"csrfmiddlewaretoken"})


# What a text field takes, as one regular expression: the server checks it (a ``RegexValidator``,
# ``re.search`` as JSON Schema's ``pattern``) and the schema declares it, so the two agree exactly.
# Nothing is trimmed: what is sent is what is checked and stored.
_CONTROL = r"\x00-\x1f\x7f-\x9f"  # Unicode category Cc: C0, DEL, C1
# As registry.validators.validate_single_line: control, line-separator and text-direction characters.
_ONE_LINE_OUT = _CONTROL + r"\u2028\u2029\u202a-\u202e\u2066-\u2069"
_FREE_TEXT_OUT = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # validate_multi_line: Cc but tab and line breaks
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}"
# A subset of what Django's EmailValidator and URLValidator accept, so that both checks agree.
EMAIL_PATTERN = rf"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*@{_HOST}"
URL_PATTERN = (
    rf"https?://{_HOST}(?::[0-9]{{1,5}})?(?:[/?#](?:[A-Za-z0-9._~!$&'()*+,;=:@/?#-]|%[0-9A-Fa-f]{{2}})*)?"
)
# One-line fields; every other text field is free text (line breaks and tabs allowed).
ONE_LINE_FIELDS = frozenset({"name", "name_latin", "acronym", "city", "role", "phone", "invoice_number"})
# Fields whose values the schema lists (an enumeration): no pattern.
ENUMERATED_FIELDS = frozenset({"region"})


def text_pattern(name: str, field: serializers.CharField) -> str:
    """The ``pattern`` of a text field (see above): whole value, empty only if the field allows it."""
    if isinstance(field, serializers.EmailField):
        body = EMAIL_PATTERN
    elif isinstance(field, serializers.URLField):
        body = URL_PATTERN
    else:
        out = _ONE_LINE_OUT if name in ONE_LINE_FIELDS else _FREE_TEXT_OUT
        # Not blank: at least one character that is not a space.
        body = f"[^{out}]*" if field.allow_blank else rf"[^{out}]*[^\s{out}][^{out}]*"
        return rf"^{body}\Z"
    return rf"^(?:{body})?\Z" if field.allow_blank else rf"^{body}\Z"


class InputSerializer(serializers.Serializer):
    """The base of every serializer that reads a request: a key it does not know is an error.

    ``state``, ``applicant``, ``decided_at`` or a misspelt ``adress`` in a body are refused with
    400 naming each (``details``: one entry per unknown key), never silently dropped: the
    client learns that nothing was done with them. Nested serializers (``contacts``) refuse
    theirs too, under their own path. Fields a serializer reads are its writable fields.

    A value of another JSON type than its field's is refused, not converted (``json_type_errors``);
    a text field is taken untrimmed and checked against its ``text_pattern``, which
    ``api.workflow_schema`` declares as the property's ``pattern``.
    """

    def get_fields(self):
        """Every text field: untrimmed, and checked against its ``text_pattern``."""
        fields = super().get_fields()
        for name, field in fields.items():
            if isinstance(field, serializers.CharField) and name not in ENUMERATED_FIELDS:
                field.trim_whitespace = False
                field.validators.append(RegexValidator(text_pattern(name, field), message=PATTERN_MESSAGE))
        return fields

    def to_internal_value(self, data):
        unknown = {}
        wrong_types = json_type_errors(self, data) if isinstance(data, Mapping) else {}
        if wrong_types:
            raise serializers.ValidationError(wrong_types)
        if isinstance(data, Mapping):
            accepted = [name for name, field in self.fields.items() if not field.read_only]
            message = _("Unknown field. The fields accepted here are: %(fields)s.") % {
                "fields": ", ".join(accepted)
            }
            unknown = {
                str(key): [message] for key in data if key not in accepted and key not in IGNORED_INPUT_KEYS
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


# --- reading ----------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return display_name(user)


class ApplicantSerializer(PersonSerializer):
    email = serializers.EmailField()


class ContactSerializer(InputSerializer):
    """A further contact person of the union (in and out)."""

    name = serializers.CharField(max_length=150)
    role = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    name = serializers.CharField(source="original_name", help_text=_("The uploaded file's name, cleaned."))
    size = serializers.IntegerField(help_text=_("Bytes."))
    content_type = serializers.CharField(
        help_text=_("Found from the content: application/pdf, image/png or image/jpeg.")
    )
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(
        help_text=_("Where to download the file (GET, same credentials).")
    )

    def get_url(self, document) -> str:
        return reverse(
            "api:application-document",
            kwargs={"pk": document.application_id, "doc_id": document.pk},
            request=self.context.get("request"),
        )


class ApplicationSerializer(serializers.Serializer):
    """An application as the list shows it (and the detail, with ``actions``)."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=ApplicationState.choices)
    name = serializers.CharField(help_text=_("The union's name as it writes it, in any script."))
    name_latin = serializers.CharField(
        allow_blank=True, help_text=_("The name in Latin script; empty if none was given.")
    )
    acronym = serializers.CharField(allow_blank=True)
    country = serializers.CharField(
        source="country.code", allow_blank=True, help_text=_("ISO 3166-1 alpha-2 code; empty if not given.")
    )
    region = serializers.CharField(
        source="region.code",
        allow_null=True,
        help_text=_("Region code (see /api/v1/regions/); null if none."),
    )
    city = serializers.CharField(allow_blank=True)
    website = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True, help_text=_("The union's public e-mail address."))
    founded_year = serializers.IntegerField(allow_null=True)
    students_represented = serializers.IntegerField(allow_null=True)
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    motivation = serializers.CharField(allow_blank=True)
    applicant = ApplicantSerializer()
    contacts = ContactSerializer(many=True)
    documents = DocumentSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True, help_text=_("First submission; null before."))
    decided_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When it was admitted, rejected or withdrawn; null before.")
    )

    def get_url(self, application) -> str:
        return reverse(
            "api:application-detail", kwargs={"pk": application.pk}, request=self.context.get("request")
        )


class OrganizationReferenceSerializer(serializers.Serializer):
    """An organization of the registry, as the workflow names it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField(help_text=_("Its address in the directory (/api/v1/affiliates/{slug}/)."))
    is_member = serializers.BooleanField(
        help_text=_("Whether it is a member now (a membership that has not ended): it cannot be linked.")
    )


class ApplicationDetailSerializer(ApplicationSerializer):
    actions = serializers.SerializerMethodField(
        help_text=_(
            "What you may do now, by the workflow's rules (conditions such as missing documents aside): "
            "edit (PATCH, documents), submit, resubmit, withdraw, request-info, reject, start-review, "
            "complete-review, open-vote, close-vote, review (POST reviews/), revise-review, "
            "confirm-review, vote (POST ballots/), recuse (POST recusal/), link-organization, "
            "confirm-distinct."
        )
    )
    possible_duplicates = serializers.SerializerMethodField(
        help_text=_(
            "For the secretariat only (null for everyone else): organizations of the registry in the "
            "same country with the same name or acronym (ignoring case and accents). While there is one, "
            "the vote cannot open until the application is linked to one of them "
            "(link-organization) or confirmed as a new union (confirm-distinct)."
        )
    )

    def get_actions(self, application) -> list[str]:
        names = self.context.get("actions") or set()
        return sorted(ACTION_NAMES[name] for name in names if name in ACTION_NAMES)

    @extend_schema_field(OrganizationReferenceSerializer(many=True, allow_null=True))
    def get_possible_duplicates(self, application) -> list[dict] | None:
        found = self.context.get("possible_duplicates")
        return None if found is None else OrganizationReferenceSerializer(found, many=True).data


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    application = serializers.IntegerField(source="application_id")
    reviewer = PersonSerializer()
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    comment = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(
        help_text=_("When the text was last written: submitted or revised.")
    )
    confirmed_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "When its author last confirmed it unchanged after an answer of the applicant; null if never."
        ),
    )


class BallotSerializer(serializers.Serializer):
    application = serializers.IntegerField(source="round.application_id")
    round = serializers.IntegerField(source="round.number", help_text=_("The vote round's number (1, 2 …)."))
    choice = serializers.ChoiceField(choices=BallotChoice.choices)
    cast_at = serializers.DateTimeField()


class RecusalSerializer(serializers.Serializer):
    application = serializers.IntegerField(source="round.application_id")
    round = serializers.IntegerField(source="round.number", help_text=_("The vote round's number (1, 2 …)."))
    recused_at = serializers.DateTimeField()
    reason = serializers.CharField(source="recusal_reason", allow_blank=True)


class VoteRulesSerializer(serializers.Serializer):
    quorum = serializers.CharField(
        help_text=_("A fraction: the round has a quorum when more than this share of the eligible vote.")
    )
    majority = serializers.ChoiceField(
        choices=list(rules.MAJORITIES),
        help_text=_("simple (> 1/2), two_thirds (≥ 2/3), three_quarters (≥ 3/4)."),
    )
    base = serializers.ChoiceField(
        choices=list(rules.BASES), help_text=_("What the yes votes are counted against.")
    )


class TallySerializer(serializers.Serializer):
    eligible = serializers.IntegerField(help_text=_("Eligible voters, those who recused left out."))
    yes = serializers.IntegerField()
    no = serializers.IntegerField()
    abstain = serializers.IntegerField()
    cast = serializers.IntegerField(help_text=_("Ballots cast: yes + no + abstain."))


class RecusalEntrySerializer(serializers.Serializer):
    voter = serializers.SerializerMethodField()
    reason = serializers.CharField(source="recusal_reason", allow_blank=True)
    recused_at = serializers.DateTimeField()

    def get_voter(self, voter) -> str:
        return display_name(voter.user)


class VoteRoundSerializer(serializers.Serializer):
    """A vote round as the caller may see it (``workflows.selectors.vote_rounds_for``)."""

    number = serializers.IntegerField(source="round.number", help_text=_("1, 2 … in the order opened."))
    category = serializers.ChoiceField(
        source="round.category", choices=MembershipCategory.choices, help_text=_("The category proposed.")
    )
    mode = serializers.ChoiceField(
        source="round.mode",
        choices=VoteMode.choices,
        read_only=True,
        help_text=_(
            "How the votes are recorded: online (each member's ballot), named (each present member's "
            "choice recorded in the meeting room) or counted (only the totals counted in the room)."
        ),
    )
    opened_at = serializers.DateTimeField(source="round.opened_at")
    deadline = serializers.DateTimeField(source="round.deadline")
    closed_at = serializers.DateTimeField(source="round.closed_at", allow_null=True)
    outcome = serializers.CharField(
        source="round.outcome",
        allow_blank=True,
        help_text=_("passed, failed or no_quorum; empty while open."),
    )
    is_void = serializers.BooleanField(source="round.is_void", help_text=_("Closed without a quorum."))
    rules = VoteRulesSerializer(
        source="round.vote_rules", help_text=_("The rules stored when the round opened.")
    )
    rules_explained = serializers.ListField(
        source="rules_words",
        child=serializers.CharField(),
        help_text=_("The round's quorum, majority and base in words."),
    )
    tally = TallySerializer(
        allow_null=True,
        help_text=_(
            "Null while hidden from you: the tally is shown to the secretariat, to a committee member "
            "once they have voted, to everyone else who may see the application once the round is "
            "closed, and never to the applicant."
        ),
    )
    recusals = RecusalEntrySerializer(many=True, help_text=_("Who recused and why; shown with the tally."))
    explanation = serializers.SerializerMethodField(
        help_text=_(
            "How the outcome was computed, in words and numbers, one line each (quorum, majority, "
            "outcome), e.g. “4 of 5 eligible voted — quorum reached (more than half: at least 3).”; "
            "null while the round is open or its tally is hidden from you."
        )
    )

    def get_explanation(self, view) -> list[str] | None:
        explanation = view.explanation
        return list(explanation.lines) if explanation is not None else None


class HistoryEntrySerializer(serializers.Serializer):
    """One logged transition (django-fsm-log)."""

    when = serializers.DateTimeField()
    to = serializers.ChoiceField(choices=ApplicationState.choices, help_text=_("The state after."))
    transition = serializers.CharField(help_text=_("submit, resubmit, request_info, start_review …"))
    by = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Who acted; null when the system did (a deadline, the last ballot). Applicants see "
            "the federation's staff and the system as “The federation”."
        ),
    )
    comment = serializers.CharField(allow_blank=True)

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword: declared here, in the order of the contract.
        ordered = {"when": fields.pop("when")}
        ordered["from"] = serializers.ChoiceField(
            choices=ApplicationState.choices, source="source", help_text=_("The state before.")
        )
        ordered.update(fields)
        return ordered


# --- writing ----------------------------------------------------------------------------------


def region_from_code(code: str | None) -> Region | None:
    """The region with this code; None for an empty code; a validation error for an unknown one."""
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise serializers.ValidationError(
            _("Unknown region code '%(code)s'. The codes are listed at /api/v1/regions/.") % {"code": code}
        )
    return region


class ApplicationWriteSerializer(InputSerializer):
    """The fields an applicant sets; PATCH sends only those it changes. ``contacts`` replaces the list."""

    name = serializers.CharField(max_length=200, help_text=_("The union's name."))
    name_latin = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("The name in Latin script, for a name written in another script (Arabic…)."),
    )
    acronym = serializers.CharField(max_length=30, required=False, allow_blank=True)
    country = serializers.ChoiceField(
        choices=list(countries),
        required=False,
        allow_blank=True,
        help_text=_("ISO 3166-1 alpha-2 code. Sets the region too, unless 'region' is given."),
    )
    region = serializers.CharField(
        max_length=20,
        trim_whitespace=False,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("Region code (see /api/v1/regions/); empty or null for none."),
    )
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    website = serializers.URLField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, help_text=_("The union's public e-mail address.")
    )
    founded_year = serializers.IntegerField(
        min_value=EARLIEST_FOUNDING_YEAR, max_value=LATEST_FOUNDING_YEAR, required=False, allow_null=True
    )
    students_represented = serializers.IntegerField(
        min_value=0, max_value=INTEGER_MAX, required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=OrganizationKind.choices, required=False)
    motivation = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("Why the union wants to join the federation."),
    )
    contacts = ContactSerializer(
        many=True,
        required=False,
        max_length=MAX_CONTACTS,
        help_text=_("Further contact persons; when given, replaces the whole list."),
    )

    def validate_region(self, code: str | None) -> Region | None:
        return region_from_code(code)

    def service_arguments(self) -> dict:
        """``data`` and ``contacts`` for ``application_create`` / ``application_update``."""
        data = dict(self.validated_data)
        contacts = data.pop("contacts", None)
        return {
            "data": data,
            "contacts": [dict(contact) for contact in contacts] if contacts is not None else None,
        }


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class UploadField(serializers.FileField):
    """A file uploaded in multipart/form-data (described as binary, not as the URL DRF reads back);
    an empty one is refused."""


class DocumentUploadSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = UploadField(
        help_text=_("PDF, PNG or JPEG (recognised by content, not name), at most 10 MB."),
    )


class CommentSerializer(InputSerializer):
    comment = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Optional; kept in the application's history."),
    )


class MessageSerializer(InputSerializer):
    comment = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH,
        help_text=_("Required: the message to the applicant, kept in the history."),
    )


class StartReviewSerializer(CommentSerializer):
    reviewers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=MAX_REVIEWERS,
        help_text=_(
            "User ids of members of the Reviewers or the Executive Committee to assign first; "
            "may be left out if enough reviewers are already assigned."
        ),
    )


class OpenVoteSerializer(CommentSerializer):
    deadline = serializers.DateTimeField(
        required=False, help_text=_("When the vote closes (in the future); default: in 14 days.")
    )
    category = serializers.ChoiceField(
        choices=MembershipCategory.choices,
        required=False,
        default=MembershipCategory.FULL,
        help_text=_("The membership category proposed."),
    )


class LinkOrganizationSerializer(InputSerializer):
    organization = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text=_(
            "The id of the organization of the registry this application is a re-application of "
            "(see 'possible_duplicates'); its membership must have ended."
        ),
    )


class ConfirmDistinctSerializer(InputSerializer):
    """No field: the request itself confirms that the applicant is a union the registry does not know."""


class ReviewInputSerializer(InputSerializer):
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    comment = serializers.CharField(max_length=rules.COMMENT_MAX_LENGTH, help_text=_("Your reasons."))


class ConfirmReviewSerializer(InputSerializer):
    """No fields: confirming says "my review stands as written"."""


class BallotInputSerializer(InputSerializer):
    choice = serializers.ChoiceField(choices=BallotChoice.choices, help_text=_("Final once cast."))


class RecusalInputSerializer(InputSerializer):
    reason = serializers.CharField(
        max_length=rules.COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ApplicationFilterSerializer(serializers.Serializer):
    """The list's query parameters (not an ``InputSerializer``: the query string also carries
    the pagination's ``page`` and ``page_size``)."""

    state = serializers.ChoiceField(choices=ApplicationState.choices, required=False)
    region = serializers.CharField(max_length=20, required=False, trim_whitespace=False)

    def validate_region(self, code: str) -> Region | None:
        return region_from_code(code)
