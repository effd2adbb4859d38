"""Signals other apps listen to, so that programmes need not know about them.

``enrolment_ended`` is sent inside the transaction that ends a membership
(left or removed), with ``enrolment``; live rooms disconnect the person from the
group's open rooms on commit. See docs/programmes.md.
"""

from __future__ import annotations

from django.dispatch import Signal

enrolment_ended = Signal()
