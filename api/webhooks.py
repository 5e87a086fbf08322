"""Signed webhooks for partners: the change feed's events pushed to their endpoints.

**Fan-out: a cursor per endpoint, never a missed event.** Each endpoint keeps the number of the last
feed event it was given (``WebhookEndpoint.last_event_seq``). ``fan_out`` locks the enabled
endpoints (skipping those another run holds), reads the events after their cursors, writes one
``WebhookDelivery`` per (endpoint, subscribed event) and moves the cursors, in one transaction. The
feed numbers events in commit order without gaps (``registry.feed``), so a cursor that reads
"every event after n" never passes an event committed later: nothing is skipped, and the unique
(endpoint, event) constraint means nothing is written twice. ``publish`` itself does nothing more
than ask for a run after its commit (``registry.feed.events_recorded``): no query, no lock in the
writers' transactions; beat runs it every minute too (a lost message only delays).

**Delivery: the outbox's machinery.** A delivery is an outbox row (``notifications.models.OutboxRow``)
on the ``WEBHOOKS`` channel: claimed with ``skip_locked``, retried with back-off until
WEBHOOK_RETRY_HOURS after it was written (or redelivered), swept when its message was lost. So a
receiver may get a delivery twice (a worker lost after the receiver answered), never miss one;
``webhook-id`` is the same on every attempt.

**Sending.** The Standard Webhooks format: ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature`` (``v1,<base64 HMAC-SHA256 of id.timestamp.body>``; during a rotation's overlap
one per secret, space separated). The host is resolved at each attempt and every address checked
(no private, loopback, link-local, multicast or reserved address: ``check_address``); the
connection goes to the address checked, with the host name as Host and TLS SNI, so a DNS answer
that changes between the check and the connection (rebinding) cannot redirect it. Redirects are
not followed (a 3xx is a failed attempt); at most WEBHOOK_RESPONSE_LOG_BYTES of the answer are read.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.people import display_name
from notifications import delivery as outbox
from notifications.models import Notification, NotificationState
from notifications.services import outbox_write
from registry.models import DirectoryEvent, DirectoryEventType

from .models import PartnerKey, WebhookDelivery, WebhookEndpoint
from .serializers import event_item

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
USER_AGENT = "FederationRegistry-Webhooks/1"


class WebhookError(Exception):
    """A refused request about webhooks: ``code`` for the API, ``message`` for the person, ``field``."""

    def __init__(self, code: str, message: str, field: str = "url"):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class UnsafeTarget(WebhookError):
    """A URL the registry will not call (scheme, address)."""


class Rejected(Exception):
    """The receiver answered, but not with 2xx."""


# --- secrets ---------------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"federation-registry webhook secrets\x00" + settings.WEBHOOK_SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def decrypt_secret(token: str) -> str:
    return _fernet().decrypt(token.encode("ascii")).decode("ascii")


def signing_secrets(endpoint: WebhookEndpoint, now: datetime.datetime) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    found = [decrypt_secret(endpoint.secret_encrypted)]
    if endpoint.previous_secret_encrypted and (
        endpoint.previous_secret_expires_at is not None and endpoint.previous_secret_expires_at > now
    ):
        found.append(decrypt_secret(endpoint.previous_secret_encrypted))
    return found


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of id.timestamp.body>`` with a ``whsec_`` secret (Standard Webhooks)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


# --- targets ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check_address(address: str) -> bool:
    """Whether an address may be called: public unicast only (no private, loopback, link-local,
    multicast, reserved, shared or unique-local address; an IPv4 address mapped in IPv6 is its own)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_private or ip.is_link_local)


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str) -> Target:
    """Parse ``url``, resolve its host and check every address; raise ``UnsafeTarget`` with a reason.

    https only, unless WEBHOOK_ALLOW_PRIVATE_TARGETS (tests) or DEBUG; no user name or password in
    the URL; every address the name resolves to must pass ``check_address`` (unless
    WEBHOOK_ALLOW_PRIVATE_TARGETS): one bad address is enough to refuse.
    """
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeTarget("invalid_url", _("This is not a valid URL.")) from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and (allow_private or settings.DEBUG)):
        raise UnsafeTarget("https_required", _("The URL must start with https://."))
    if parts.username or parts.password:
        raise UnsafeTarget("credentials_in_url", _("The URL must not contain a user name or password."))
    host = parts.hostname
    if not host:
        raise UnsafeTarget("invalid_url", _("The URL has no host name."))
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError):
        raise UnsafeTarget(
            "unresolvable_host", _("The host name %(host)s cannot be resolved.") % {"host": host}
        ) from None
    if not addresses:
        raise UnsafeTarget(
            "unresolvable_host", _("The host name %(host)s cannot be resolved.") % {"host": host}
        )
    if not allow_private:
        for address in addresses:
            if not check_address(address):
                raise UnsafeTarget(
                    "private_address",
                    _(
                        "The URL leads to %(address)s, a private, loopback, link-local, multicast or "
                        "reserved address. Webhooks are sent to public addresses only."
                    )
                    % {"address": address},
                )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to one checked address, with the host name as Host and TLS SNI."""

    def __init__(self, target: Target, address: str):
        super().__init__(target.host, target.port, timeout=settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS)
        self.default_port = 443 if target.scheme == "https" else 80
        self._address = address
        self._tls = target.scheme == "https"

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), timeout=self.timeout)
        sock.settimeout(settings.WEBHOOK_TIMEOUT_SECONDS)
        if self._tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        self.sock = sock


# --- sending: the outbox channel -------------------------------------------------------------------------


def request_headers(delivery: WebhookDelivery, body: bytes, now: datetime.datetime) -> dict[str, str]:
    timestamp = int(now.timestamp())
    signatures = [
        sign(secret, delivery.webhook_id, timestamp, body)
        for secret in signing_secrets(delivery.endpoint, now)
    ]
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }


def _record_response(delivery: WebhookDelivery, status: int | None, body: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(response_status=status, response_body=body)
    delivery.response_status, delivery.response_body = status, body


def send(delivery: WebhookDelivery) -> None:
    """POST one delivery: check the target again, connect to the checked address, send the signed
    body, read at most WEBHOOK_RESPONSE_LOG_BYTES of the answer, record its status. Raise unless 2xx."""
    _record_response(delivery, None, "")
    target = check_url(delivery.endpoint.url)
    body = delivery.payload.encode()
    connection = _PinnedConnection(target, target.addresses[0])
    try:
        connection.request(
            "POST", target.path, body=body, headers=request_headers(delivery, body, timezone.now())
        )
        response = connection.getresponse()
        start = response.read(settings.WEBHOOK_RESPONSE_LOG_BYTES)
    finally:
        connection.close()
    _record_response(delivery, response.status, start.decode("utf-8", "replace"))
    if not 200 <= response.status < 300:
        where = response.getheader("Location")
        if 300 <= response.status < 400:
            raise Rejected(f"HTTP {response.status} (redirects are not followed; Location: {where})")
        raise Rejected(f"HTTP {response.status}")


def _is_transient(exc: BaseException) -> bool:
    """Every failure is retried until WEBHOOK_RETRY_HOURS: an address, an answer or a secret may be
    mended by the partner meanwhile."""
    return True


def after_attempt(delivery: WebhookDelivery, error: BaseException | None) -> None:
    """Count the endpoint's run of failed attempts; disable it after WEBHOOK_DISABLE_AFTER_FAILURES
    (and tell the secretariat); a success ends the run."""
    endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    if error is None:
        endpoints.filter(consecutive_failures__gt=0).update(consecutive_failures=0)
        return
    with transaction.atomic():
        endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
        endpoint = endpoints.select_for_update().first()
        if endpoint is None or not endpoint.enabled:
            return
        if endpoint.consecutive_failures < settings.WEBHOOK_DISABLE_AFTER_FAILURES:
            return
        endpoint_disable(
            endpoint=endpoint,
            reason=_("Disabled after %(count)s failed attempts in a row; the last: %(error)s")
            % {"count": endpoint.consecutive_failures, "error": outbox_error_text(error)},
        )


def outbox_error_text(error: BaseException) -> str:
    from notifications.models import describe_error

    return describe_error(error)[:400]


def _enqueue(delivery_id: int) -> None:
    from .tasks import deliver_webhook

    deliver_webhook.delay_on_commit(delivery_id=delivery_id)


def _enqueue_later(delivery_id: int, delay: float) -> None:
    from .tasks import deliver_webhook

    outbox.later_or_sweeper(deliver_webhook, {"delivery_id": delivery_id}, delay)


WEBHOOKS = outbox.Channel(
    name="webhook",
    model=WebhookDelivery,
    send=send,
    is_transient=_is_transient,
    enqueue=_enqueue,
    enqueue_later=_enqueue_later,
    # A disabled endpoint's deliveries wait (pending) until it is enabled again; a revoked key's wait too.
    deliverable=Q(endpoint__enabled=True, endpoint__partner_key__revoked=False),
    after_attempt=after_attempt,
)


def deliver(*, delivery_id: int, now: datetime.datetime | None = None) -> str:
    """Send one delivery once (``notifications.delivery.deliver_row`` on the webhooks' channel)."""
    return outbox.deliver_row(WEBHOOKS, delivery_id, now)


# --- fan-out ---------------------------------------------------------------------------------------------


def render_payload(event: DirectoryEvent) -> str:
    """The event as ``GET /api/v1/changes/`` renders one item (a partner's view: with e-mail)."""
    item = event_item(event, with_email=True)
    return json.dumps(item, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def fan_out(*, now: datetime.datetime | None = None) -> list[int]:
    """Write the deliveries of the events after each enabled endpoint's cursor; return their ids.

    Lock the enabled endpoints (skip those locked by another run); read up to WEBHOOK_FANOUT_BATCH
    events after the lowest cursor; for each endpoint, one delivery per event after its cursor that
    it subscribes to; move each cursor to the last event read; enqueue the deliveries on commit
    (and another run, when the batch was full).
    """
    now = now or timezone.now()
    batch = settings.WEBHOOK_FANOUT_BATCH
    with transaction.atomic():
        endpoints = list(
            WebhookEndpoint.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(enabled=True, partner_key__revoked=False)
            .order_by("pk")
        )
        if not endpoints:
            return []
        low = min(endpoint.last_event_seq for endpoint in endpoints)
        events = list(DirectoryEvent.objects.filter(seq__gt=low).order_by("seq")[:batch])
        if not events:
            return []
        retry_until = now + datetime.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
        payloads: dict[int, str] = {}
        rows, moved = [], []
        for endpoint in endpoints:
            mine = [event for event in events if event.seq > endpoint.last_event_seq]
            if not mine:
                continue
            for event in mine:
                if endpoint.subscribes_to(event.type):
                    if event.seq not in payloads:
                        payloads[event.seq] = render_payload(event)
                    rows.append(
                        WebhookDelivery(
                            endpoint=endpoint,
                            event_seq=event.seq,
                            event_type=event.type,
                            payload=payloads[event.seq],
                            retry_until=retry_until,
                            next_attempt_at=now,
                        )
                    )
            endpoint.last_event_seq = mine[-1].seq
            moved.append(endpoint)
        WebhookDelivery.objects.bulk_create(rows)
        WebhookEndpoint.objects.bulk_update(moved, ["last_event_seq"])
        ids = [row.pk for row in rows]
        for pk in ids:
            _enqueue(pk)
        if len(events) == batch:
            request_fan_out()
    return ids


def request_fan_out(**kwargs) -> None:
    """Ask for a ``fan_out`` run after the current transaction commits (no query now)."""
    from .tasks import fan_out_webhooks

    fan_out_webhooks.delay_on_commit()


# --- services --------------------------------------------------------------------------------------------


def _clean_event_types(event_types) -> list[str]:
    event_types = list(dict.fromkeys(event_types or []))
    unknown = [value for value in event_types if value not in DirectoryEventType.values]
    if unknown:
        raise WebhookError(
            "unknown_event_type",
            _("Unknown event types: %(types)s. Choose among: %(choices)s.")
            % {"types": ", ".join(map(str, unknown)), "choices": ", ".join(DirectoryEventType.values)},
            field="event_types",
        )
    return event_types


@transaction.atomic
def webhook_endpoint_create(
    *, partner_key: PartnerKey, url: str, event_types=(), description: str = "", enabled: bool = True
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint on a partner key; return it and its secret (shown once, then never).

    Check the URL (``check_url``) and the event types, make a secret, store it encrypted, start the
    cursor at the feed's latest event (the endpoint hears of what happens from now on).
    """
    from registry import feed

    check_url(url)
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        partner_key=partner_key,
        url=url,
        description=description,
        event_types=_clean_event_types(event_types),
        enabled=enabled,
        secret_encrypted=encrypt_secret(secret),
        last_event_seq=feed.last_seq(),
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Change an endpoint's URL (checked), event types, description or enabled flag.

    Enabling a disabled endpoint ends its run of failures and makes its waiting deliveries due now
    (with a fresh WEBHOOK_RETRY_HOURS), and asks for a fan-out of what happened meanwhile.
    """
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "url" in changes:
        check_url(changes["url"])
        endpoint.url = changes["url"]
    if "event_types" in changes:
        endpoint.event_types = _clean_event_types(changes["event_types"])
    if "description" in changes:
        endpoint.description = changes["description"]
    if "enabled" in changes and changes["enabled"] != endpoint.enabled:
        endpoint.enabled = changes["enabled"]
        if endpoint.enabled:
            endpoint.consecutive_failures, endpoint.disabled_at, endpoint.disabled_reason = 0, None, ""
            _wake_waiting(endpoint)
            request_fan_out()
        else:
            endpoint.disabled_at = timezone.now()
    endpoint.save()
    return endpoint


def _wake_waiting(endpoint: WebhookEndpoint) -> None:
    now = timezone.now()
    waiting = list(endpoint.deliveries.filter(state=NotificationState.PENDING).values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=waiting).update(
        next_attempt_at=now, retry_until=now + datetime.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    )
    for pk in waiting:
        _enqueue(pk)


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret (returned, shown once); the current one keeps signing, next to the new one, for
    WEBHOOK_SECRET_ROTATION_HOURS (0: dropped at once)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = new_secret()
    overlap = datetime.timedelta(hours=settings.WEBHOOK_SECRET_ROTATION_HOURS)
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted if overlap else ""
    endpoint.previous_secret_expires_at = timezone.now() + overlap if overlap else None
    endpoint.secret_encrypted = encrypt_secret(secret)
    endpoint.save()
    return endpoint, secret


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Disable an enabled endpoint (a conditional update) and tell the secretariat; whether it did.
    Its deliveries wait, pending, until it is enabled again."""
    now = timezone.now()
    done = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
        enabled=False, disabled_at=now, disabled_reason=reason[:500]
    )
    if not done:
        return False
    endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason[:500]
    endpoint_type = ContentType.objects.get_for_model(WebhookEndpoint)
    partner = endpoint.partner_key
    context = {
        "endpoint_id": endpoint.pk,
        "url": endpoint.url,
        "partner": partner.organization_name,
        "key_name": partner.name,
        "partner_email": partner.contact_email,
        "reason": reason,
        "admin_link": f"{settings.SITE_URL}/admin/api/webhookendpoint/{endpoint.pk}/change/",
    }
    outbox_write(
        Notification(
            recipient=user,
            recipient_email=user.email,
            event="webhook_disabled",
            template="webhook_disabled",
            context={**context, "recipient_name": display_name(user)},
            subject_type=endpoint_type,
            subject_id=endpoint.pk,
            idempotency_key=f"webhook_disabled:{endpoint.pk}:{now.isoformat()}:{user.pk}",
        )
        for user in roles.members_of(roles.SECRETARIAT)
    )
    logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, reason)
    return True


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (sent, failed or waiting): pending, due now, a fresh count of attempts
    and WEBHOOK_RETRY_HOURS; the same ``webhook-id`` and body. Enqueued on commit. One that is being
    sent right now is refused (``conflict``)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state == NotificationState.SENDING:
        raise WebhookError("conflict", _("This delivery is being sent right now."), field="state")
    now = timezone.now()
    delivery.state = NotificationState.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.claimed_at = None
    delivery.retry_until = now + datetime.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    delivery.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_at", "retry_until"])
    _enqueue(delivery.pk)
    return delivery
