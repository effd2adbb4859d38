"""Consent purposes and the wording people agree to, with versions.

Pure module. A new wording gets a new version; old versions stay here so that
what someone agreed to can always be shown. See docs/data-protection.md.
"""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    SERVICE = "service"
    RESEARCH = "research"
    CONTACT = "contact"


WORDING: dict[Purpose, dict[int, str]] = {
    Purpose.SERVICE: {
        1: (
            "I agree that the organisation may keep the details I give here so that I can take "
            "part in peer support: my pseudonym, the groups I join, my attendance, and what I "
            "choose to share. Only the coordinators and the safeguarding lead can see my real "
            "name and contact details. I can withdraw, and ask for my data to be exported or "
            "erased, at any time."
        ),
    },
    Purpose.RESEARCH: {
        1: (
            "I agree that my answers and attendance may be used, without my name or contact "
            "details, to find out what works in peer support and for whom. Results never show "
            "groups of fewer than five people. Saying no makes no difference to the support I "
            "get."
        ),
    },
    Purpose.CONTACT: {
        1: (
            "I agree that the organisation may contact me by email or phone about my groups, for "
            "example a reminder or a friendly check-in if I miss sessions."
        ),
    },
}

CURRENT_VERSION: dict[Purpose, int] = {
    purpose: max(versions) for purpose, versions in WORDING.items()
}

PURPOSE_LABELS = {
    Purpose.SERVICE: "Taking part (needed to join)",
    Purpose.RESEARCH: "Evaluation and research (optional)",
    Purpose.CONTACT: "Contact about my groups (optional)",
}
