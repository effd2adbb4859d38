"""The default training curriculum, as data files: one Markdown file per
module, each opening with TOML front matter between ``+++`` lines.

Pure module (no Django import). ``modules()`` reads and checks the files once;
``volunteers.services.curriculum_seed`` copies them into an organisation's own
modules, which its coordinators then edit. See docs/volunteers.md.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
FENCE = "+++"
ROLES = ("facilitate", "one_to_one")


@dataclass(frozen=True)
class ModuleText:
    slug: str
    title: str
    position: int
    summary: str
    required_for: tuple[str, ...]
    refresher_months: int
    written_by: str
    co_produced_with: str
    reflection_prompt: str
    body: str


class CurriculumError(ValueError):
    """A curriculum file that cannot be read; the message names the file."""


def parse(text: str, *, name: str = "module") -> ModuleText:
    """One module from its file's text."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise CurriculumError(f"{name}: the file must open with a {FENCE} front matter line.")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        raise CurriculumError(f"{name}: the front matter has no closing {FENCE} line.") from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as error:
        raise CurriculumError(f"{name}: the front matter is not valid TOML ({error}).") from None
    body = "\n".join(lines[end + 1 :]).strip() + "\n"
    for key in ("slug", "title", "summary", "reflection_prompt", "written_by"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise CurriculumError(f"{name}: {key!r} must be a non-empty text.")
    required = meta.get("required_for", list(ROLES))
    if not isinstance(required, list) or not set(required) <= set(ROLES):
        raise CurriculumError(f"{name}: 'required_for' is a list of {', '.join(ROLES)}.")
    months = meta.get("refresher_months", 0)
    position = meta.get("position", 0)
    if not isinstance(months, int) or not 0 <= months <= 120:
        raise CurriculumError(f"{name}: 'refresher_months' is a whole number from 0 to 120.")
    if not isinstance(position, int):
        raise CurriculumError(f"{name}: 'position' is a whole number.")
    if len(body.strip()) < 200:
        raise CurriculumError(f"{name}: the module's text is missing or too short.")
    return ModuleText(
        slug=meta["slug"].strip(),
        title=meta["title"].strip(),
        position=position,
        summary=meta["summary"].strip(),
        required_for=tuple(required),
        refresher_months=months,
        written_by=meta["written_by"].strip(),
        co_produced_with=str(meta.get("co_produced_with", "")).strip(),
        reflection_prompt=meta["reflection_prompt"].strip(),
        body=body,
    )


@cache
def modules() -> tuple[ModuleText, ...]:
    """Every default module, in ``position`` order."""
    found = [
        parse(path.read_text(encoding="utf-8"), name=path.name)
        for path in sorted(HERE.glob("*.md"))
    ]
    slugs = [module.slug for module in found]
    if len(set(slugs)) != len(slugs):
        raise CurriculumError("Two curriculum files have the same slug.")
    return tuple(sorted(found, key=lambda module: (module.position, module.slug)))
