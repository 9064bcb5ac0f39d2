"""Writes of the reminders engine.

Apps call `reminder_schedule` and `reminders_cancel` inside the transaction of the change that makes
a reminder due (or no longer due). The beat job calls `dispatch_due`; workers call
`deliver_reminders` and `send_digest`. Each state change is a compare-and-swap on `state`.
"""

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sro_portal.accounts.models import Agency
from sro_portal.i18n import language_of
from sro_portal.reminders import registry
from sro_portal.reminders.models import Reminder, ReminderSettings

logger = logging.getLogger(__name__)

LIVE = (Reminder.State.PENDING, Reminder.State.QUEUED)
MAX_ATTEMPTS = 5
BATCH_SIZE = 200
# A row queued or claimed this long ago was lost by a worker (a crash, a lost message).
QUEUED_TIMEOUT = timedelta(minutes=10)
SENDING_TIMEOUT = timedelta(minutes=15)
DIGEST_TIME = time(7, 0)


# --- Scheduling (called by apps, inside their own transaction) -----------------------------------


@transaction.atomic
def reminder_schedule(
    *, kind: str, obj: models.Model, recipient, due_at: datetime
) -> Reminder | None:
    """Make `recipient` be reminded of `obj` at `due_at`; moves the reminder if one is pending.

    Returns None when a reminder of this kind is being sent at this very moment (it stands).
    """
    registry.get(kind)  # KeyError for a kind nobody registered
    agency_id = obj.agency_id
    if recipient.agency_id != agency_id:
        raise PermissionDenied("A reminder's recipient belongs to the object's agency.")
    if timezone.is_naive(due_at):
        raise ValueError("Reminder times are aware datetimes (stored in UTC).")
    if not recipient.is_active:
        return None
    key = _object_key(obj) | {"kind": kind, "recipient": recipient}
    live = Reminder.objects.select_for_update().filter(**key, state__in=LIVE).first()
    if live is not None:
        live.due_at, live.state = due_at, Reminder.State.PENDING
        live.retry_at = live.queued_at = None
        live.save(update_fields=["due_at", "state", "retry_at", "queued_at", "updated_at"])
        return live
    if Reminder.objects.filter(**key, state=Reminder.State.SENDING).exists():
        return None
    return Reminder.objects.create(due_at=due_at, **key)


@transaction.atomic
def reminders_cancel(*, obj: models.Model, kinds: list[str] | None = None) -> int:
    """Cancel the reminders about `obj` not yet handed to a mail server (all kinds, or `kinds`)."""
    reminders = Reminder.objects.filter(**_object_key(obj), state__in=LIVE)
    if kinds is not None:
        reminders = reminders.filter(kind__in=kinds)
    return reminders.update(state=Reminder.State.CANCELLED, updated_at=timezone.now())


def _object_key(obj: models.Model) -> dict:
    return {
        "agency_id": obj.agency_id,
        "content_type": ContentType.objects.get_for_model(obj),
        "object_id": str(obj.pk),
    }


# --- Dispatching (the beat job) -----------------------------------------------------------------


def dispatch_due(now: datetime | None = None, *, agency_id: int | None = None) -> list[list[int]]:
    """Hand what is due to workers: batches of ids, one agency per batch (only `agency_id`'s
    when given: the beat job takes the agencies in turn). Returns the batches.

    Rows move PENDING -> QUEUED here (compare-and-swap), so a second dispatcher running at the
    same moment finds nothing to queue. Rows a lost worker left QUEUED are queued again; rows
    left SENDING are failed, not resent: the email may have gone out.
    """
    now = now or timezone.now()
    _fail_interrupted(now, agency_id)
    due = _of_agency(agency_id).filter(
        Q(state=Reminder.State.PENDING, due_at__lte=now)
        & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        | Q(state=Reminder.State.QUEUED, queued_at__lte=now - QUEUED_TIMEOUT)
    )
    candidates = due.order_by("agency_id", "id").values_list("agency_id", "id")
    batches: list[list[int]] = []
    by_agency: dict[int, list[int]] = {}
    for row_agency_id, reminder_id in candidates.iterator(chunk_size=2000):
        by_agency.setdefault(row_agency_id, []).append(reminder_id)
    for ids in by_agency.values():
        for start in range(0, len(ids), BATCH_SIZE):
            batch = _queue(ids[start : start + BATCH_SIZE], now)
            if batch:
                batches.append(batch)
    return batches


@transaction.atomic
def _queue(ids: list[int], now: datetime) -> list[int]:
    from sro_portal.reminders import tasks  # tasks import this module

    claimable = Reminder.objects.filter(
        Q(state=Reminder.State.PENDING)
        | Q(state=Reminder.State.QUEUED, queued_at__lte=now - QUEUED_TIMEOUT),
        id__in=ids,
    )
    queued = list(
        claimable.select_for_update(skip_locked=True, of=("self",)).values_list("id", flat=True)
    )
    if queued:
        Reminder.objects.filter(id__in=queued).update(
            state=Reminder.State.QUEUED, queued_at=now, updated_at=now
        )
        tasks.deliver_reminders_task.delay_on_commit(queued)
    return queued


def _of_agency(agency_id: int | None):
    """Every agency's reminders the connection sees, or one agency's."""
    reminders = Reminder.objects.all()
    return reminders if agency_id is None else reminders.filter(agency_id=agency_id)


def _fail_interrupted(now: datetime, agency_id: int | None = None) -> None:
    _of_agency(agency_id).filter(
        state=Reminder.State.SENDING, claimed_at__lte=now - SENDING_TIMEOUT
    ).update(
        state=Reminder.State.FAILED,
        last_error="Interrupted while sending; not retried, so it cannot arrive twice.",
        updated_at=now,
    )


# --- Delivering (worker tasks) ------------------------------------------------------------------


def deliver_reminders(reminder_ids: list[int]) -> int:
    """Deliver the queued reminders among `reminder_ids`; returns how many were delivered.

    The batch shares one mail-server connection, one query for the objects of each model and one
    for the recipients' settings: per reminder, what remains is its email and its closing update.

    The connection is opened before the batch is claimed: a mail server that is down raises
    here with the reminders still QUEUED (the task retries, and the dispatcher queues them again
    after QUEUED_TIMEOUT), instead of leaving them SENDING, to be failed as interrupted.
    """
    with mailers.default as connection:
        claimed = _claim(reminder_ids)
        if not claimed:
            return 0
        objects = _fetch_objects(claimed)
        preferences = _settings_by_user(claimed)
        delivered = 0
        for reminder in claimed:
            obj = objects.get((reminder.content_type_id, reminder.object_id))
            delivered += _deliver_one(
                reminder, obj, preferences.get(reminder.recipient_id), connection
            )
    return delivered


@transaction.atomic
def _claim(ids: list[int]) -> list[Reminder]:
    """QUEUED -> SENDING, committed before anything is sent: a retried or duplicate task finds
    nothing left to claim."""
    now = timezone.now()
    rows = list(
        Reminder.objects.filter(id__in=ids, state=Reminder.State.QUEUED)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient__agency", "agency", "content_type")
    )
    if rows:
        Reminder.objects.filter(id__in=[r.id for r in rows]).update(
            state=Reminder.State.SENDING,
            claimed_at=now,
            attempts=models.F("attempts") + 1,
            updated_at=now,
        )
    for row in rows:
        row.state, row.attempts = Reminder.State.SENDING, row.attempts + 1
    return rows


def _deliver_one(reminder: Reminder, obj, preferences, connection) -> int:
    if obj is None or not reminder.recipient.is_active:
        _finish(reminder, Reminder.State.CANCELLED)
        return 0
    kind = registry.get(reminder.kind)
    # Worded in the recipient's language: the email and the in-app copy saved with it.
    with translation.override(language_of(reminder.recipient)):
        delivered = _deliver_message(reminder, kind, obj, preferences, connection)
    if kind.then is not None:
        try:
            kind.then(reminder, obj)
        except Exception:
            logger.exception("The follow-up of reminder %s failed", reminder.pk)
    return delivered


def _deliver_message(reminder, kind, obj, preferences, connection) -> int:
    preferences = preferences or ReminderSettings(agency_id=reminder.agency_id)
    try:
        if not kind.still_due(reminder, obj):
            _finish(reminder, Reminder.State.CANCELLED)
            return 0
        message = kind.render(reminder, obj)
        wants_email = preferences.wants_email(reminder.kind)
        emailed = wants_email and not preferences.daily_digest
        if emailed:
            _send_email(reminder, message, connection)
    except Exception as error:  # a mail server or a renderer failing: try again later
        logger.warning("Reminder %s failed (try %s): %r", reminder.pk, reminder.attempts, error)
        _record_failure(reminder, error)
        return 0
    now = timezone.now()
    _finish(
        reminder,
        Reminder.State.SENT,
        sent_at=now,
        emailed_at=now if emailed else None,
        awaits_digest=wants_email and preferences.daily_digest,
        subject=message.subject[:200],
        body=message.body,
        link=message.link,
    )
    return 1


def _fetch_objects(reminders: list[Reminder]) -> dict[tuple[int, str], models.Model]:
    """The objects the reminders are about, by (content type, id): one query per model, and
    only within each reminder's agency. A deleted object is simply absent."""
    wanted: dict[tuple[int, int], set[str]] = {}
    content_types = {}
    for reminder in reminders:
        wanted.setdefault((reminder.content_type_id, reminder.agency_id), set()).add(
            reminder.object_id
        )
        content_types[reminder.content_type_id] = reminder.content_type
    found = {}
    for (content_type_id, agency_id), ids in wanted.items():
        model = content_types[content_type_id].model_class()
        if model is None:
            continue
        for obj in model._base_manager.filter(agency_id=agency_id, pk__in=ids):
            found[(content_type_id, str(obj.pk))] = obj
    return found


def _settings_by_user(reminders: list[Reminder]) -> dict[int, ReminderSettings]:
    rows = ReminderSettings.objects.filter(user_id__in={r.recipient_id for r in reminders})
    return {row.user_id: row for row in rows}


def _finish(reminder: Reminder, state: str, **fields) -> bool:
    """SENDING -> `state`, with `fields`: the compare-and-swap that closes a delivery."""
    updated = Reminder.objects.filter(pk=reminder.pk, state=Reminder.State.SENDING).update(
        state=state, updated_at=timezone.now(), **fields
    )
    return bool(updated)


def _record_failure(reminder: Reminder, error: Exception) -> None:
    text = f"{type(error).__name__}: {error}"[:500]
    if reminder.attempts >= MAX_ATTEMPTS:
        _finish(reminder, Reminder.State.FAILED, last_error=text)
    else:
        backoff = timedelta(minutes=2 ** (reminder.attempts - 1))  # 1, 2, 4, 8 minutes
        _finish(
            reminder,
            Reminder.State.PENDING,
            last_error=text,
            retry_at=timezone.now() + backoff,
            queued_at=None,
        )


def _send_email(reminder: Reminder, message: registry.Message, connection) -> None:
    context = {"message": message, "link": _absolute(message.link), "reminder": reminder}
    context["settings_link"] = _absolute("/notifications/settings/")
    body = render_to_string("reminders/email/reminder_body.txt", context)
    email = EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{message.subject}",
        body=body,
        to=[reminder.recipient.email],
        headers={"X-SRO-Reminder": str(reminder.pk)},
    )
    connection.send_messages([email])  # the batch's open connection (mailers.default)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def settings_for(user) -> ReminderSettings:
    """The user's reminder settings (defaults: every kind by email, no digest). Not saved."""
    found = ReminderSettings.objects.filter(agency_id=user.agency_id, user=user).first()
    return found or ReminderSettings(agency_id=user.agency_id, user=user)


# --- The daily digest ---------------------------------------------------------------------------


def dispatch_digests(now: datetime | None = None, *, agency_id: int | None = None) -> list[int]:
    """Queue today's digest for every subscriber (of `agency_id`, when given) whose agency's
    clock has passed 7:00 and who has reminders waiting. Returns the settings ids queued."""
    from sro_portal.reminders import tasks

    now = now or timezone.now()
    queued = []
    waiting = _of_agency(agency_id).filter(
        state=Reminder.State.SENT, awaits_digest=True, digested_at__isnull=True
    )
    agency_ids = set(waiting.values_list("agency_id", flat=True).distinct())
    for agency in Agency.objects.filter(pk__in=agency_ids):
        local_now = now.astimezone(agency.tzinfo)
        if local_now.time() < DIGEST_TIME:
            continue
        today = local_now.date()
        subscribers = ReminderSettings.objects.filter(
            Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lt=today),
            agency=agency,
            daily_digest=True,
            user__in=waiting.filter(agency=agency).values("recipient"),
        ).values_list("pk", flat=True)
        for settings_id in subscribers:
            # Claim today's digest (compare-and-swap): a second dispatcher claims nothing.
            claimed = ReminderSettings.objects.filter(
                Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lt=today), pk=settings_id
            ).update(digest_sent_on=today)
            if claimed:
                tasks.send_digest_task.delay_on_commit(settings_id)
                queued.append(settings_id)
    return queued


def send_digest(*, settings_id: int) -> int:
    """One email with every reminder waiting for the digest; returns how many it listed."""
    preferences = ReminderSettings.objects.select_related("user__agency").get(pk=settings_id)
    with transaction.atomic():
        reminders = list(
            Reminder.objects.filter(
                agency_id=preferences.agency_id,
                recipient=preferences.user,
                state=Reminder.State.SENT,
                awaits_digest=True,
                digested_at__isnull=True,
            )
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_at")
        )
        if not reminders:
            return 0
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(
            digested_at=timezone.now(), awaits_digest=False
        )
    context = {
        "reminders": reminders,
        "site": settings.SITE_URL.rstrip("/"),
        "settings_link": _absolute("/notifications/settings/"),
    }
    with translation.override(language_of(preferences.user)):
        subject = _("Your reminders for today (%(count)s)") % {"count": len(reminders)}
        body = render_to_string("reminders/email/digest_body.txt", context)
    EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=body,
        to=[preferences.user.email],
        headers={"X-SRO-Digest": ",".join(str(r.pk) for r in reminders)},
    ).send()
    return len(reminders)


# --- The user's side: notifications and preferences ---------------------------------------------


def notification_mark_read(*, user, reminder: Reminder) -> None:
    if reminder.recipient_id != user.pk:
        raise PermissionDenied
    Reminder.objects.filter(pk=reminder.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    return Reminder.objects.filter(
        agency_id=user.agency_id, recipient=user, state=Reminder.State.SENT, read_at__isnull=True
    ).update(read_at=timezone.now())


@transaction.atomic
def reminder_settings_update(*, user, email_kinds: list[str], daily_digest: bool):
    """Save the user's choices: the kinds they want by email, and the daily digest."""
    known = {kind.key for kind in registry.all_kinds()}
    unknown = set(email_kinds) - known
    if unknown:
        raise ValidationError(_("Unknown reminder kinds: %(kinds)s") % {"kinds": sorted(unknown)})
    preferences, _created = ReminderSettings.objects.get_or_create(
        agency_id=user.agency_id, user=user
    )
    preferences.in_app_only_kinds = sorted(known - set(email_kinds))
    preferences.daily_digest = daily_digest
    preferences.full_clean()
    preferences.save()
    return preferences


@transaction.atomic
def reminder_retry(*, actor, reminder: Reminder) -> None:
    """An agency admin sends a failed reminder again (now)."""
    if not actor.is_agency_admin or reminder.agency_id != actor.agency_id:
        raise PermissionDenied
    updated = Reminder.objects.filter(pk=reminder.pk, state=Reminder.State.FAILED).update(
        state=Reminder.State.PENDING,
        attempts=0,
        retry_at=None,
        queued_at=None,
        due_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(_("This reminder is no longer failed."))
