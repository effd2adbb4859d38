"""Background work for one-to-one matching: telling both people about a new
pairing, by email only where they agreed to be contacted. Their conversation
appears in their rooms whether or not an email goes. See docs/matching.md,
"In the platform".
"""

from __future__ import annotations

from django.core.mail import send_mail
from django_tasks import task


@task()
def notify_matched(*, pairing_id: int) -> int:
    """Email the participant and the supporter of a new pairing, each only
    with contact consent. Returns how many emails went."""
    from peercircle.accounts.consent import Purpose
    from peercircle.accounts.services import has_consent
    from peercircle.rooms.models import Pairing

    pairing = (
        Pairing.objects.select_related("participant", "volunteer").filter(pk=pairing_id).first()
    )
    if pairing is None or pairing.ended_at is not None:
        return 0
    participant, volunteer = pairing.participant, pairing.volunteer
    messages = (
        (
            participant,
            "You have a peer supporter",
            f"Hello {participant.pseudonym},\n\n{volunteer.pseudonym} will be your peer "
            "supporter. Sign in to PeerCircle and open 'My rooms' to start your private "
            "conversation. You can ask to end or change this at any time from 'One-to-one "
            "support'.\n",
        ),
        (
            volunteer,
            "You have been matched with someone to support",
            f"Hello {volunteer.pseudonym},\n\nYou have been matched with {participant.pseudonym} "
            "for one-to-one support. Sign in to PeerCircle and open 'My rooms' to say hello.\n",
        ),
    )
    sent = 0
    for user, subject, body in messages:
        if not user.email or not has_consent(
            user=user, organisation=pairing.organisation_id, purpose=Purpose.CONTACT
        ):
            continue
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
        sent += 1
    return sent
