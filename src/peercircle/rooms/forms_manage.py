"""Forms for the rooms back office (/manage/rooms/). See docs/rooms.md.

Forms only parse what was typed; the rules (who may be paired, the range of
opening times) live in ``rooms.services``, and a refusal comes back on the
field it is about through ``ServiceForm.add_service_errors``.
"""

from __future__ import annotations

from typing import Any

from django import forms

from peercircle.programmes.forms_manage import WHOLE_NUMBER, ServiceForm


class PairingForm(ServiceForm):
    """Choose a participant and a volunteer by the names they chose.

    The fields take any whole number, not only one of the choices shown: who
    may be paired is the service's rule, and it says so in its own words.
    """

    participant = forms.IntegerField(
        label="Participant",
        widget=forms.Select,
        error_messages={"required": "Choose the participant to be supported.", **WHOLE_NUMBER},
    )
    volunteer = forms.IntegerField(
        label="Volunteer peer supporter",
        widget=forms.Select,
        error_messages={"required": "Choose the volunteer who will support them.", **WHOLE_NUMBER},
    )

    def __init__(
        self,
        *args: Any,
        participants: list[tuple[int, str]],
        volunteers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"].widget.choices = [("", "Choose a participant"), *participants]
        self.fields["volunteer"].widget.choices = [("", "Choose a volunteer"), *volunteers]

    def service_fields(self) -> dict[str, int]:
        return {
            "participant_id": self.cleaned_data["participant"],
            "volunteer_id": self.cleaned_data["volunteer"],
        }


class RoomPolicyForm(ServiceForm):
    open_minutes_before = forms.IntegerField(
        label="Open a session's room this many minutes before it starts",
        error_messages={"required": "Say how many minutes, for example 15.", **WHOLE_NUMBER},
        help_text="0 to 240. People can arrive, say hello and check their sound.",
    )
    close_minutes_after = forms.IntegerField(
        label="Keep it open this many minutes after the session ends",
        error_messages={"required": "Say how many minutes, for example 15.", **WHOLE_NUMBER},
        help_text="0 to 240. Time for goodbyes; then the room closes and its messages are kept.",
    )
    standing_group_rooms = forms.BooleanField(
        label="Online groups also have a room that stays open between sessions",
        required=False,
        help_text=(
            "Members can talk to each other any time. Facilitators, coordinators and "
            "safeguarding leads moderate it."
        ),
    )

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
