"""Everything that changes questionnaire data: item texts, schedules,
assignments (made, missed, reminded), answers saved as they go, submitting
and scoring, and the mechanism check-in. See docs/questionnaires.md.

Scoring is ``peercircle.measures.score``; a risk item answered above its lowest
option raises a safeguarding alert through ``safety.services.alert_from_questionnaire``
and the person is shown crisis resources at once. Bad input raises
``QuestionnaireError`` with a message that names the item, and nothing is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from peercircle.core.audit import audit_record
from peercircle.core.models import Organisation
from peercircle.measures import instruments, score
from peercircle.questionnaires.models import (
    MECHANISM_ITEMS,
    OPEN_STATES,
    SCORING_VERSION,
    Anchor,
    Assignment,
    AssignmentState,
    InstrumentText,
    MechanismCheckIn,
    Response,
    SchedulePoint,
)

logger = logging.getLogger(__name__)

#: "Prefer not to answer", as an answer to save.
DECLINE = "decline"
#: How long after a questionnaire falls due a reminder is sent (once).
REMIND_AFTER = timedelta(days=2)
#: How long after a session a mechanism check-in is still offered.
CHECKIN_DAYS = 7
MAX_OFFSET_DAYS = 730
MAX_WINDOW_DAYS = 90


class QuestionnaireError(ValidationError):
    """A questionnaire step that cannot be done; the message says why in plain words."""

    def __init__(self, message: str, code: str = "invalid", item: int | None = None) -> None:
        super().__init__(message, code=code)
        self.text = message
        self.item = item

    def __str__(self) -> str:
        return self.text


# --- item texts -------------------------------------------------------------------


@dataclass(frozen=True)
class Texts:
    """What a person is shown for an instrument: shipped or loaded by the organisation."""

    instructions: str
    items: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    copyright_notice: str
    version: str
    loaded: bool


def shipped_texts(code: str) -> Texts | None:
    spec = instruments.get(code)
    if spec.item_texts is None or spec.option_labels is None and spec.code != "ons4":
        return None
    if spec.code == "ons4":
        # The ONS asks for 0 to 10, where 0 is "not at all" and 10 "completely".
        scale = ("0 (not at all)", *(str(n) for n in range(1, 10)), "10 (completely)")
        options = tuple(scale for _ in range(spec.items))
    else:
        assert spec.option_labels is not None
        options = tuple(spec.option_labels for _ in range(spec.items))
    return Texts(
        instructions=spec.instructions or "",
        items=spec.item_texts,
        options=options,
        copyright_notice=spec.copyright_notice or "",
        version="shipped",
        loaded=False,
    )


def texts_for(organisation_id: int, code: str) -> Texts | None:
    """The texts to show for ``code`` at this organisation, or None when there
    are none (a licensed instrument whose texts are not loaded)."""
    row = InstrumentText.objects.filter(organisation_id=organisation_id, instrument=code).first()
    if row is not None:
        return Texts(
            instructions=row.instructions,
            items=tuple(row.items),
            options=tuple(tuple(o) for o in row.options),
            copyright_notice=row.copyright_notice,
            version=row.version,
            loaded=True,
        )
    return shipped_texts(code)


def instrument_status(organisation_id: int, code: str) -> str:
    """ "ready", "needs licensed text" or "needs text" (not shipped, not loaded)."""
    if texts_for(organisation_id, code) is not None:
        return "ready"
    return "needs licensed text" if instruments.needs_licensed_text(code) else "needs text"


def _text_list(value: Any, what: str, count: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QuestionnaireError(f"{what} must be a list of {count} non-empty texts.")
    if len(value) != count:
        raise QuestionnaireError(f"{what} must have {count} entries; the file has {len(value)}.")
    return [v.strip() for v in value]


def text_load(*, organisation: Organisation, data: Any, actor: Any = None) -> InstrumentText:
    """Load (or replace) an organisation's item texts for one instrument from
    ``data`` (the parsed file, docs/questionnaires.md). Checked against the
    instrument's items and options before anything is stored."""
    if not isinstance(data, dict):
        raise QuestionnaireError("The file must hold one object with the instrument's texts.")
    code = data.get("instrument")
    try:
        spec = instruments.get(str(code))
    except ValueError as error:
        raise QuestionnaireError(str(error)) from None
    name = spec.short_name
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise QuestionnaireError(
            f'{name}: say which edition and licence these texts are in "version".'
        )
    items = _text_list(data.get("items"), f'{name} "items"', spec.items)
    raw_options = data.get("options")
    if (
        isinstance(raw_options, list)
        and raw_options
        and all(isinstance(o, str) for o in raw_options)
    ):
        raw_options = [raw_options] * spec.items  # one set of labels for every item
    if not isinstance(raw_options, list) or len(raw_options) != spec.items:
        raise QuestionnaireError(
            f'{name} "options": give one list of option labels for all items, or one per item '
            f"({spec.items} lists)."
        )
    options = []
    for number, labels in enumerate(raw_options, start=1):
        wanted = len(spec.option_values[number - 1])
        options.append(_text_list(labels, f"{name} item {number} options", wanted))
    instructions = data.get("instructions", "")
    notice = data.get("copyright_notice", "")
    if not isinstance(instructions, str) or not isinstance(notice, str):
        raise QuestionnaireError(f'{name}: "instructions" and "copyright_notice" are text.')
    with transaction.atomic():
        row, created = InstrumentText.objects.update_or_create(
            organisation=organisation,
            instrument=spec.code,
            defaults={
                "version": version.strip()[:80],
                "instructions": instructions.strip(),
                "items": items,
                "options": options,
                "copyright_notice": notice.strip(),
                "loaded_by": actor,
            },
        )
        audit_record(
            actor=actor,
            action="questionnaires.text_load",
            obj=row,
            organisation=organisation,
            detail={"instrument": spec.code, "version": row.version, "replaced": not created},
        )
    return row


# --- schedules --------------------------------------------------------------------


def schedule_point_add(
    *,
    actor: Any,
    programme: Any,
    instrument: str,
    label: str,
    anchor: str = Anchor.JOINED,
    offset_days: Any = 0,
    window_days: Any = 14,
) -> SchedulePoint:
    try:
        spec = instruments.get(str(instrument))
    except ValueError:
        raise QuestionnaireError(
            "Choose a questionnaire from the list.", code="instrument"
        ) from None
    status = instrument_status(programme.organisation_id, spec.code)
    if status != "ready":
        raise QuestionnaireError(
            f"{spec.short_name} {status}: it cannot be scheduled until its texts are loaded "
            "(see 'peercircle measures load-text').",
            code="needs_text",
        )
    label = (label or "").strip()
    if not label:
        raise QuestionnaireError('Give the time point a name people will see, e.g. "Week 5".')
    if anchor not in Anchor.values:
        raise QuestionnaireError("Count from joining or from the end of the course.")
    try:
        offset, window = int(offset_days), int(window_days)
    except (TypeError, ValueError):
        raise QuestionnaireError("Days must be whole numbers.") from None
    if not 0 <= offset <= MAX_OFFSET_DAYS:
        raise QuestionnaireError(f"The time point must be 0 to {MAX_OFFSET_DAYS} days after.")
    if not 1 <= window <= MAX_WINDOW_DAYS:
        raise QuestionnaireError(f"It must stay open for 1 to {MAX_WINDOW_DAYS} days.")
    try:
        with transaction.atomic():
            point = SchedulePoint.objects.create(
                programme=programme,
                instrument=spec.code,
                label=label[:60],
                anchor=anchor,
                offset_days=offset,
                window_days=window,
            )
            audit_record(
                actor=actor,
                action="questionnaires.schedule_add",
                obj=point,
                organisation=programme.organisation_id,
                detail={"programme": programme.pk, "instrument": spec.code, "label": point.label},
            )
    except IntegrityError:
        raise QuestionnaireError(
            f"{spec.short_name} is already scheduled at that time point.", code="duplicate"
        ) from None
    return point


def schedule_point_remove(*, actor: Any, point: SchedulePoint) -> None:
    """Stop scheduling this point. What is already due stays due; answers stay."""
    with transaction.atomic():
        point.is_active = False
        point.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="questionnaires.schedule_remove",
            obj=point,
            organisation=point.programme.organisation_id,
            detail={"programme": point.programme_id},
        )


# --- assignments ------------------------------------------------------------------


def _course_end(group: Any) -> datetime | None:
    from peercircle.programmes.models import Session

    if not group.is_course:
        return None
    return (
        Session.objects.filter(group=group)
        .exclude(status="cancelled")
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )


def anchor_time(
    point: SchedulePoint, enrolment: Any, course_end: datetime | None
) -> datetime | None:
    """When ``point``'s clock starts for ``enrolment``, or None when it does
    not apply (not joined; left a course early; no end yet)."""
    from peercircle.programmes.models import EnrolmentStatus

    if enrolment.joined_at is None:
        return None
    if point.anchor == Anchor.JOINED:
        return enrolment.joined_at if enrolment.status == EnrolmentStatus.ACTIVE else None
    # The end: a course's last session; for a rolling group, the day they left.
    if enrolment.status == EnrolmentStatus.ACTIVE:
        return course_end
    if enrolment.status == EnrolmentStatus.LEFT and enrolment.ended_at is not None:
        return enrolment.ended_at if course_end is None else min(course_end, enrolment.ended_at)
    return None


def assignments_generate(now: datetime | None = None) -> int:
    """Make the assignments that have fallen due and are still open. Safe to
    run again: each (point, enrolment) is made once."""
    from peercircle.programmes.models import Enrolment, EnrolmentStatus

    now = now or timezone.now()
    made = 0
    ready: dict[tuple[int, str], bool] = {}
    points = SchedulePoint.objects.filter(is_active=True, programme__is_active=True).select_related(
        "programme"
    )
    for point in points:
        key = (point.programme.organisation_id, point.instrument)
        if key not in ready:
            ready[key] = instrument_status(*key) == "ready"
        if not ready[key]:
            continue
        done = set(Assignment.objects.filter(point=point).values_list("enrolment_id", flat=True))
        enrolments = (
            Enrolment.objects.filter(
                group__programme=point.programme,
                status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.LEFT],
                joined_at__isnull=False,
            )
            .exclude(pk__in=done)
            .select_related("group")
        )
        ends: dict[int, datetime | None] = {}
        new = []
        for enrolment in enrolments:
            if enrolment.group_id not in ends:
                ends[enrolment.group_id] = _course_end(enrolment.group)
            start = anchor_time(point, enrolment, ends[enrolment.group_id])
            if start is None:
                continue
            due = start + timedelta(days=point.offset_days)
            closes = due + timedelta(days=point.window_days)
            if due > now or closes <= now:
                continue  # not yet, or its window passed before it could be made
            new.append(
                Assignment(
                    organisation_id=point.programme.organisation_id,
                    person_id=enrolment.user_id,
                    point=point,
                    enrolment=enrolment,
                    group_id=enrolment.group_id,
                    instrument=point.instrument,
                    label=point.label,
                    due_at=due,
                    closes_at=closes,
                )
            )
        made += len(Assignment.objects.bulk_create(new, ignore_conflicts=True))
    return made


def assignments_close_missed(now: datetime | None = None) -> int:
    """Mark as missed what was not submitted in its window. Answers already
    saved are kept with it."""
    now = now or timezone.now()
    return Assignment.objects.filter(state__in=OPEN_STATES, closes_at__lte=now).update(
        state=AssignmentState.MISSED
    )


def reminders_send(now: datetime | None = None) -> int:
    """Email one reminder for each questionnaire still open ``REMIND_AFTER``
    after it fell due, to people who agreed to be contacted; the number sent.
    Everyone else sees it on their own page."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.urls import reverse

    from peercircle.accounts.consent import Purpose
    from peercircle.accounts.services import has_consent

    now = now or timezone.now()
    sent = 0
    due = Assignment.objects.filter(
        state__in=OPEN_STATES,
        reminded_at__isnull=True,
        due_at__lte=now - REMIND_AFTER,
        closes_at__gt=now,
    ).select_related("person")
    for assignment in due:
        # Claim it first, so that two workers never send the same reminder.
        claimed = Assignment.objects.filter(pk=assignment.pk, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if not claimed:
            continue
        person = assignment.person
        if not person.email or not has_consent(
            user=person, organisation=assignment.organisation_id, purpose=Purpose.CONTACT
        ):
            continue
        closes = timezone.localtime(assignment.closes_at)
        send_mail(
            subject="A short check-in questionnaire is waiting for you",
            message=(
                f"Hello {person.pseudonym},\n\nYour {assignment.label.lower()} check-in "
                f"questionnaire is ready, and takes a few minutes. It stays open until "
                f"{closes:%A %d %B}.\n\n"
                f"{settings.SITE_URL.rstrip('/')}{reverse('questionnaires:mine')}\n\n"
                "It is up to you: skipping it makes no difference to your support.\n"
            ),
            from_email=None,
            recipient_list=[person.email],
        )
        sent += 1
    return sent


# --- answering ----------------------------------------------------------------------


def open_assignment(person: Any, assignment_id: Any) -> Assignment:
    """The person's own open assignment; NotFound for anyone else's or none."""
    from peercircle.core.access import NotFound

    try:
        pk = int(assignment_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    assignment = Assignment.objects.filter(pk=pk, person_id=person.pk).first()
    if assignment is None:
        raise NotFound()
    return assignment


def _facilitators(group_id: int | None) -> list[int]:
    from peercircle.programmes.models import Facilitation

    if group_id is None:
        return []
    return sorted(Facilitation.objects.filter(group_id=group_id).values_list("user_id", flat=True))


def _require_open(assignment: Assignment, now: datetime | None = None) -> None:
    if assignment.state == AssignmentState.COMPLETED:
        raise QuestionnaireError("You have sent this questionnaire already. Thank you.", "done")
    if assignment.state == AssignmentState.MISSED or assignment.closes_at <= (
        now or timezone.now()
    ):
        raise QuestionnaireError(
            "This questionnaire has closed, so it can no longer be answered. What you saved "
            "is kept.",
            "closed",
        )


def _texts_or_refuse(assignment: Assignment) -> Texts:
    texts = texts_for(assignment.organisation_id, assignment.instrument)
    if texts is None:
        raise QuestionnaireError(
            "This questionnaire cannot be shown yet. Please try again later.", "needs_text"
        )
    return texts


def response_for(assignment: Assignment) -> Response:
    """The assignment's response, started now if it was not, with the person's
    group and its facilitators of this moment."""
    existing = Response.objects.filter(assignment=assignment).first()
    if existing is not None:
        return existing
    texts = _texts_or_refuse(assignment)
    spec = instruments.get(assignment.instrument)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                organisation_id=assignment.organisation_id,
                person_id=assignment.person_id,
                assignment=assignment,
                instrument=assignment.instrument,
                instrument_version=f"{SCORING_VERSION}/{texts.version}"[:100],
                time_point=assignment.label,
                answers=[None] * spec.items,
                group_id=assignment.group_id,
                facilitator_ids=_facilitators(assignment.group_id),
            )
            Assignment.objects.filter(pk=assignment.pk, state=AssignmentState.DUE).update(
                state=AssignmentState.STARTED
            )
    except IntegrityError:  # started at the same moment in another tab
        return Response.objects.get(assignment=assignment)
    return response


def _item_name(code: str, item: int) -> str:
    return f"Question {item} of {instruments.get(code).short_name}"


def _checked_answer(code: str, item: Any, value: Any) -> tuple[int, int | str | None]:
    spec = instruments.get(code)
    try:
        number = int(item)
    except (TypeError, ValueError):
        raise QuestionnaireError(f"There is no question {item!r} in {spec.short_name}.") from None
    if not 1 <= number <= spec.items:
        raise QuestionnaireError(
            f"There is no question {number} in {spec.short_name}; it has {spec.items}.",
            item=number,
        )
    if value is None or value == "":
        return number, None
    if value == DECLINE:
        if spec.max_missing == 0:
            raise QuestionnaireError(
                f"{_item_name(code, number)}: this questionnaire needs every question answered.",
                item=number,
            )
        return number, DECLINE
    if isinstance(value, bool):
        value = "x"
    try:
        index = int(value)
        if isinstance(value, float) and value != index:
            raise ValueError
    except (TypeError, ValueError):
        raise QuestionnaireError(
            f"{_item_name(code, number)}: choose one of the answers (got {value!r}).", item=number
        ) from None
    options = len(spec.option_values[number - 1])
    if not 0 <= index < options:
        raise QuestionnaireError(
            f"{_item_name(code, number)}: choose one of the {options} answers.", item=number
        )
    return number, index


def answer_save(*, person: Any, assignment: Assignment, item: Any, value: Any) -> Response:
    """Save one answer as it is given (the 0-based option, ``DECLINE`` for
    "prefer not to answer" where allowed, None to clear it)."""
    if assignment.person_id != person.pk:
        from peercircle.core.access import NotFound

        raise NotFound()
    number, answer = _checked_answer(assignment.instrument, item, value)
    _require_open(assignment)
    response = response_for(assignment)
    with transaction.atomic():
        response = Response.objects.select_for_update().get(pk=response.pk)
        if response.submitted_at is not None:
            raise QuestionnaireError("You have sent this questionnaire already. Thank you.", "done")
        answers = list(response.answers)
        declined = [d for d in response.declined if d != number]
        answers[number - 1] = answer if isinstance(answer, int) else None
        if answer == DECLINE:
            declined.append(number)
        response.answers, response.declined = answers, sorted(declined)
        response.save(update_fields=["answers", "declined"])
    return response


@dataclass(frozen=True)
class Submitted:
    response: Response
    alert: Any
    #: The organisation's crisis resources when a risk item was answered above
    #: its lowest option (shown at once); empty otherwise.
    crisis_resources: list[dict[str, Any]]


def _all_answers(
    code: str, answers: Sequence[Any] | None, declined: Iterable[Any] | None
) -> tuple[list[int | None], list[int]]:
    """Check a complete set of answers (the API's, or the saved ones): every
    item answered or, where allowed, declined."""
    spec = instruments.get(code)
    if (
        answers is None
        or isinstance(answers, str | bytes | dict)
        or not hasattr(answers, "__len__")
    ):
        raise QuestionnaireError(
            f"Give {spec.items} answers for {spec.short_name}, one per question."
        )
    if len(answers) != spec.items:
        first = min(len(answers), spec.items) + 1
        raise QuestionnaireError(
            f"{spec.short_name} has {spec.items} questions and {len(answers)} answers were given"
            + (f": question {first} is not answered." if len(answers) < spec.items else "."),
            item=first if len(answers) < spec.items else None,
        )
    declined_set = set()
    for item in declined or ():
        number, _ = _checked_answer(code, item, DECLINE)
        declined_set.add(number)
    checked: list[int | None] = []
    for number, value in enumerate(answers, start=1):
        if value is None and number not in declined_set:
            raise QuestionnaireError(
                f"{_item_name(code, number)} is not answered yet."
                + (" You can choose 'prefer not to answer'." if spec.max_missing else ""),
                item=number,
            )
        if value is None or value == DECLINE:
            if value == DECLINE:
                _checked_answer(code, number, DECLINE)
                declined_set.add(number)
            checked.append(None)
            continue
        _, index = _checked_answer(code, number, value)
        checked.append(index if isinstance(index, int) else None)
    return checked, sorted(declined_set)


def response_submit(
    *,
    person: Any,
    assignment: Assignment,
    answers: Sequence[Any] | None = None,
    declined: Iterable[Any] | None = None,
    now: datetime | None = None,
) -> Submitted:
    """Score and keep the answers (``answers`` given, or those saved as they
    went). Nothing is stored when any answer is refused."""
    from peercircle.core.context_processors import crisis_resources_for
    from peercircle.safety.services import alert_from_questionnaire

    if assignment.person_id != person.pk:
        from peercircle.core.access import NotFound

        raise NotFound()
    now = now or timezone.now()
    _require_open(assignment, now)
    _texts_or_refuse(assignment)
    code = assignment.instrument
    if answers is not None:
        checked, declined_items = _all_answers(code, answers, declined)
    with transaction.atomic():
        response = Response.objects.select_for_update().get(pk=response_for(assignment).pk)
        if response.submitted_at is not None:
            raise QuestionnaireError("You have sent this questionnaire already. Thank you.", "done")
        if answers is None:
            checked, declined_items = _all_answers(code, response.answers, response.declined)
        try:
            result = score(code, checked)
        except ValueError as error:
            raise QuestionnaireError(str(error)) from None
        response.answers, response.declined = checked, declined_items
        response.submitted_at = now
        response.total = None if result.total is None else float(result.total)
        response.metric = result.metric
        response.band = result.band or ""
        response.risk = bool(result.risk)
        response.detail = {
            key: {"value": item.value, "band": item.band}
            for key, item in (result.detail or {}).items()
        }
        response.save()
        Assignment.objects.filter(pk=assignment.pk).update(state=AssignmentState.COMPLETED)
        audit_record(
            actor=person,
            action="questionnaires.response_submit",
            obj=response,
            organisation=assignment.organisation_id,
            detail={"instrument": code, "time_point": assignment.label},
        )
        alert = None
        if response.risk:
            alert = alert_from_questionnaire(
                organisation_id=assignment.organisation_id,
                person=person,
                instrument=code,
                answers=checked,
                detail={"time_point": assignment.label, "response": response.pk},
                now=now,
            )
    resources = crisis_resources_for(assignment.organisation_id) if response.risk else []
    return Submitted(response=response, alert=alert, crisis_resources=resources)


# --- the mechanism check-in ------------------------------------------------------------


def _checked_mechanism(answers: Any) -> dict[str, int]:
    if not isinstance(answers, dict):
        raise QuestionnaireError("Answers are given per statement.")
    keys = {key for key, _ in MECHANISM_ITEMS}
    checked: dict[str, int] = {}
    for key, value in answers.items():
        if key not in keys:
            raise QuestionnaireError(f"There is no statement {key!r} in the check-in.")
        if value in (None, ""):
            continue  # every statement is optional
        statement = dict(MECHANISM_ITEMS)[key]
        try:
            number = int(value)
            if isinstance(value, bool) or (isinstance(value, float) and value != number):
                raise ValueError
        except (TypeError, ValueError):
            raise QuestionnaireError(f'"{statement}": choose 1 to 5.') from None
        if not 1 <= number <= 5:
            raise QuestionnaireError(f'"{statement}": choose 1 to 5.')
        checked[key] = number
    return checked


def checkin_submit(
    *, person: Any, answers: Any, session: Any = None, pairing: Any = None
) -> MechanismCheckIn:
    """Keep a check-in after a group session the person was part of, or after
    a one-to-one contact in their pairing (one per day). All optional."""
    from peercircle.core.access import NotFound

    checked = _checked_mechanism(answers)
    if (session is None) == (pairing is None):
        raise QuestionnaireError("A check-in is about one session or one contact.")
    if session is not None:
        if not may_check_in_session(person, session):
            raise NotFound()
        organisation_id, group_id = session.group.organisation_id, session.group_id
        facilitators = _facilitators(group_id)
        contact_date = None
    else:
        if person.pk not in (pairing.participant_id, pairing.volunteer_id):
            raise NotFound()
        organisation_id, group_id, facilitators = (
            pairing.organisation_id,
            None,
            [pairing.volunteer_id],
        )
        contact_date = timezone.localdate()
    try:
        with transaction.atomic():
            return MechanismCheckIn.objects.create(
                organisation_id=organisation_id,
                person=person,
                session=session,
                pairing=pairing,
                contact_date=contact_date,
                group_id=group_id,
                facilitator_ids=facilitators,
                answers=checked,
            )
    except IntegrityError:
        raise QuestionnaireError(
            "You have sent a check-in for this already. Thank you.", "duplicate"
        ) from None


def may_check_in_session(person: Any, session: Any, now: datetime | None = None) -> bool:
    """A member of the group (not marked absent) whose session has started and
    ended no more than ``CHECKIN_DAYS`` ago."""
    from peercircle.programmes.models import Attendance, Enrolment, EnrolmentStatus

    now = now or timezone.now()
    if session.status == "cancelled" or session.starts_at > now:
        return False
    if session.ends_at < now - timedelta(days=CHECKIN_DAYS):
        return False
    member = Enrolment.objects.filter(
        group_id=session.group_id,
        user_id=person.pk,
        status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.LEFT],
        joined_at__lte=session.ends_at,
    ).exists()
    absent = Attendance.objects.filter(
        session=session, user_id=person.pk, status__in=["absent", "apologies"]
    ).exists()
    return member and not absent
