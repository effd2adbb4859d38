"""Background work for programmes, run by the Django Tasks worker.

See docs/programmes.md.
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def notify_place_offered(*, enrolment_id: int) -> bool:
    """Tell someone a place is theirs, if they agreed to be contacted."""
    from peercircle.accounts.consent import Purpose
    from peercircle.accounts.services import has_consent
    from peercircle.programmes.models import Enrolment, EnrolmentStatus

    enrolment = Enrolment.objects.select_related("group", "user").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.status != EnrolmentStatus.OFFERED:
        return False
    user = enrolment.user
    if not user.email or not has_consent(
        user=user, organisation=enrolment.group.organisation_id, purpose=Purpose.CONTACT
    ):
        return False
    send_mail(
        subject=f"A place in {enrolment.group.name} is yours",
        message=(
            f"Hello {user.pseudonym},\n\nA place has come up in {enrolment.group.name}. "
            "Sign in to PeerCircle and open 'My groups' to accept it. "
            f"The offer is held for you until {enrolment.offer_expires_at:%A %d %B}.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


@task()
def programmes_daily() -> dict[str, int]:
    """Extend rolling groups' sessions to the horizon, lapse old offers, and count
    registers that were taken before their session started."""
    from peercircle.programmes.models import Group, GroupKind
    from peercircle.programmes.services import (
        missed_recount_early_registers,
        offers_expire,
        sessions_generate,
    )

    created = 0
    recounted = missed_recount_early_registers()
    for group in Group.objects.filter(is_active=True, kind=GroupKind.ROLLING).select_related(
        "organisation"
    ):
        with transaction.atomic():
            created += sessions_generate(group=group)
    return {
        "sessions_created": created,
        "offers_lapsed": offers_expire(),
        "registers_recounted": recounted,
    }
