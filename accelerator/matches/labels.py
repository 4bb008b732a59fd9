"""How matches read on screen: the explanation of a pair built from its stored reasons in the
reader's language, the conflicts that exclude a pair, statuses and sources."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from accelerator import matching
from accelerator.models import MatchSource, MatchStatus
from app.people.models import ExpertiseTag
from competitions.models import Sector

STATUS_LABELS = {
    MatchStatus.PROPOSED: _l("Proposed"),
    MatchStatus.PUBLISHED: _l("Published"),
    MatchStatus.RELEASED: _l("Released"),
}
STATUS_BADGES = {
    MatchStatus.PROPOSED: "text-bg-warning",
    MatchStatus.PUBLISHED: "text-bg-success",
    MatchStatus.RELEASED: "text-bg-secondary",
}
SOURCE_LABELS = {
    MatchSource.OPTIMISER: _l("proposed by the optimiser"),
    MatchSource.HAND: _l("added by hand"),
}
EXCLUSION_LABELS = {
    matching.RELEASED: _l("released by the organizers"),
    matching.EXCLUDED: _l("excluded for this team"),
    matching.SAME_ORGANISATION: _l("same organisation as a member"),
    matching.SAME_UNIT: _l("same unit as the team or a member"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-light")


def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


def exclusion_label(kinds: Iterable[str]) -> str:
    return "; ".join(str(EXCLUSION_LABELS.get(kind, kind)) for kind in kinds)


def _in_sentence(name: str) -> str:
    """ "Finance" reads "finance" inside a sentence; an acronym ("IT") stays as it is."""
    if len(name) > 1 and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def word_list(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c" in the reader's language."""
    if len(words) <= 1:
        return "".join(words)
    return _("%(items)s and %(last)s", items=", ".join(words[:-1]), last=words[-1])


def explanation(
    reasons: list[dict],
    tags: Mapping[int, ExpertiseTag],
    sectors: Mapping[int, Sector],
) -> str:
    """The pair's reasons (accelerator.matching) as one sentence, e.g. "covers finance and
    marketing; same sector: agriculture; preferred by the team". A tag or sector deleted since
    is left out rather than shown as a number."""
    locale = str(get_locale() or "vi")

    def names(kind: str) -> list[str]:
        return [
            _in_sentence(tags[r["tag_id"]].name(locale))
            for r in reasons
            if r.get("kind") == kind and r.get("tag_id") in tags
        ]

    parts = []
    if covers := names("need"):
        parts.append(_("covers %(needs)s", needs=word_list(covers)))
    if also := names("also_covers"):
        parts.append(_("also knows %(needs)s", needs=word_list(also)))
    for reason in reasons:
        if reason.get("kind") == "sector" and reason.get("sector_id") in sectors:
            sector = _in_sentence(sectors[reason["sector_id"]].name(locale))
            parts.append(_("same sector: %(sector)s", sector=sector))
    if any(reason.get("kind") == "preferred" for reason in reasons):
        parts.append(_("preferred by the team"))
    if not parts:
        return _("no need, sector or preference in common")
    return "; ".join(parts)
