"""Live rooms: group session rooms, standing group rooms, one-to-one
conversations and the supporters' room. See docs/rooms.md.

``Message`` is the room's log: messages and the events that change what the room
shows (hidden, locked, unlocked), numbered densely per room by ``seq`` under a
lock on the room, so that ``seq`` order is commit order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from peercircle.core.models import Organisation


class RoomPolicy(models.Model):
    """An organisation's choices for its rooms (defaults apply until one is saved)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="room_policy"
    )
    open_minutes_before = models.PositiveSmallIntegerField(
        default=15, help_text="How long before a session its room opens"
    )
    close_minutes_after = models.PositiveSmallIntegerField(
        default=15, help_text="How long after a session ends its room stays open"
    )
    standing_group_rooms = models.BooleanField(
        default=False,
        help_text="Online groups also have a room that stays open between sessions",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "room policies"

    def __str__(self) -> str:
        return f"Room policy of {self.organisation_id}"


class Pairing(models.Model):
    """A participant and a volunteer peer supporter in one-to-one support.

    Made by hand by a coordinator (and later by matching); it has one private
    conversation room while it is active.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pairings_as_participant"
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pairings_as_volunteer"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=240, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "participant", "volunteer"],
                condition=Q(ended_at__isnull=True),
                name="pairing_one_active_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(participant=models.F("volunteer")),
                name="pairing_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"Pairing {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class RoomKind(models.TextChoices):
    SESSION = "session", "Group session"
    STANDING = "standing", "Group room"
    PAIRING = "pairing", "One-to-one conversation"
    SUPPORTERS = "supporters", "Supporters' room"


class Room(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=RoomKind.choices)
    group = models.ForeignKey(
        "programmes.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session = models.OneToOneField(
        "programmes.Session", on_delete=models.CASCADE, null=True, blank=True, related_name="room"
    )
    pairing = models.OneToOneField(
        Pairing, on_delete=models.CASCADE, null=True, blank=True, related_name="room"
    )
    locked = models.BooleanField(default=False)
    #: The highest ``seq`` given out; bumped under a row lock by every post.
    last_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(kind="standing"),
                name="room_one_standing_per_group",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(kind="supporters"),
                name="room_one_supporters_per_organisation",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="session", session__isnull=False, group__isnull=False)
                    | Q(kind="standing", group__isnull=False, session__isnull=True)
                    | Q(kind="pairing", pairing__isnull=False, group__isnull=True)
                    | Q(kind="supporters", group__isnull=True, pairing__isnull=True)
                ),
                name="room_kind_matches_its_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class RoomMember(models.Model):
    """What belongs to a person in one room: read position, mute, removal."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_seq = models.PositiveBigIntegerField(default=0)
    muted_until = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=240, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="room_member_unique"),
        ]

    def __str__(self) -> str:
        return f"Member {self.pk} of room {self.room_id}"


class MessageKind(models.TextChoices):
    TEXT = "text", "Message"
    HIDDEN = "hidden", "Message hidden"
    LOCKED = "locked", "Room locked"
    UNLOCKED = "unlocked", "Room unlocked"
    RELEASED = "released", "Held message shown"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.TEXT)
    member = models.ForeignKey(
        RoomMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(blank=True)
    #: The sender's own id for the message: a resend after a reconnect finds the
    #: stored row instead of storing it twice.
    client_id = models.CharField(max_length=64, blank=True)
    #: For a HIDDEN event: the message it hid.
    target = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    screening_level = models.CharField(max_length=10, blank=True)
    screening_categories = models.JSONField(default=list, blank=True)
    screening_failed = models.BooleanField(default=False)
    #: Held back from the room for a facilitator (the organisation's safety
    #: policy for high-risk messages): its writer and facilitators see it,
    #: everyone else sees nothing until a facilitator shows it.
    held = models.BooleanField(default=False)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["room", "author", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["author", "sent_at"], name="message_author_recent")]

    def __str__(self) -> str:
        return f"Message {self.seq} of room {self.room_id}"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    HIDDEN = "hidden", "Message hidden"
    DISMISSED = "dismissed", "Dismissed"


class MessageReport(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default="open")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter"], name="message_report_once_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk}"


#: A connection not seen for this long (its server process died) is not "here".
PRESENCE_STALE_SECONDS = 150


class Presence(models.Model):
    """One open connection to a room. Rows are removed on disconnect; rows not
    seen for ``PRESENCE_STALE_SECONDS`` (a server process that died) are ignored."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(RoomMember, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["room", "seen_at"], name="presence_room_seen")]

    def __str__(self) -> str:
        return f"Presence {self.channel_name}"
