"""What the matching page shows, built from the loaded panel: each team with its mentors and
their explanation, what it lacks, the needs nobody covers and the mentors a conflict keeps
away; each mentor's load against capacity. And the message of each refusal."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from accelerator import matching
from accelerator.cohorts.errors import CohortError
from accelerator.matches import labels
from accelerator.matches.loading import Panel
from accelerator.matches.services import MAX_REASON_LENGTH, MatchError
from accelerator.models import CohortTeam, ExpertProfile, MatchStatus, MentorMatch
from app.people.models import ExpertiseTag, User
from app.vietnamese import name_sort_key
from competitions.models import Sector

MESSAGES: dict[str, object] = {
    "no_teams": _l("No team has accepted the invitation yet: there is nobody to match."),
    "no_mentors": _l("Nobody holds the mentor role: add mentors to the expert panel first."),
    "team_not_accepted": _l(
        "This team is not among the teams that accepted this cohort: only they get mentors. "
        "Nothing was changed."
    ),
    "not_a_mentor": _l(
        "This person is not an active mentor: only holders of the mentor role are matched. "
        "Nothing was changed."
    ),
    "unknown_pair": _l("This pair is not in this cohort: reload the page."),
    "not_proposed": _l(
        "Only a proposed pair can be removed; a published one is released with a reason."
    ),
    "nothing_proposed": _l("Nothing is proposed: propose mentors or add pairs first."),
    "stale_proposal": _l(
        "Some proposed pairs are no longer possible (a team left, a mentor lost the role, or a "
        "conflict or a capacity changed since): propose again or remove them. Nothing was "
        "published."
    ),
    "reason_required": _l("Say why this pair is released. Nothing was changed."),
    "reason_too_long": _l(
        "The reason is too long (at most %(n)d characters).", n=MAX_REASON_LENGTH
    ),
    "not_published": _l("Only a published pair can be released."),
}


def message(error: CohortError, reason: str) -> str:
    details = getattr(error, "details", {}) if isinstance(error, MatchError) else {}
    if reason == "pair_exists":
        return _(
            "%(mentor)s is already matched with %(team)s. Nothing was changed.",
            mentor=details["mentor"],
            team=details["team"],
        )
    if reason == "pair_released":
        return _(
            "%(mentor)s and %(team)s were released: a released pair is not matched again. "
            "Nothing was changed.",
            mentor=details["mentor"],
            team=details["team"],
        )
    if reason == "conflict":
        return _(
            "Conflict of interest: %(mentor)s cannot mentor %(team)s (%(why)s). "
            "Nothing was changed.",
            mentor=details["mentor"],
            team=details["team"],
            why=labels.exclusion_label(details["kinds"]),
        )
    if reason == "over_capacity":
        return _(
            "%(mentor)s offered to mentor %(capacity)d teams at once and already has "
            "%(here)d in this cohort (proposed or published) and %(elsewhere)d in other "
            "cohorts: one more would pass the capacity. Nothing was changed.",
            mentor=details["mentor"],
            capacity=details["capacity"],
            here=details["here"],
            elsewhere=details["elsewhere"],
        )
    return str(MESSAGES[reason])


def show_refusal(error: CohortError) -> None:
    for reason in error.reasons:
        flash(message(error, reason), "danger")


# --- the matching page ----------------------------------------------------------------------


@dataclass
class TeamRow:
    membership: CohortTeam
    pairs: list[MentorMatch]  # published first, then proposed, each by mentor id
    lacks: int
    uncovered: list[ExpertiseTag]
    excluded: list[tuple[User, str]]  # a mentor kept away, and why in words
    released: list[MentorMatch]
    in_conflict: set[int] = field(default_factory=set)  # published mentors now in conflict


@dataclass
class MentorLoad:
    mentor: User
    organisation: str
    published: int
    proposed: int
    elsewhere: int
    capacity: int

    @property
    def load(self) -> int:
        return self.published + self.proposed + self.elsewhere

    @property
    def over(self) -> bool:
        return self.load > self.capacity


@dataclass
class Preview:
    panel: Panel
    teams: list[TeamRow]
    loads: list[MentorLoad]
    tags: dict[int, ExpertiseTag]
    sectors: dict[int, Sector]

    @property
    def proposed(self) -> int:
        return sum(1 for m in self.panel.matches if m.status == MatchStatus.PROPOSED)

    @property
    def published(self) -> int:
        return sum(1 for m in self.panel.matches if m.status == MatchStatus.PUBLISHED)

    @property
    def lacking(self) -> int:
        return sum(t.lacks for t in self.teams)

    def explain(self, row: MentorMatch) -> str:
        return labels.explanation(row.reasons or [], self.tags, self.sectors)

    def profile(self, user_id: int) -> ExpertProfile | None:
        return self.panel.profiles.get(user_id)


def preview(panel: Panel) -> Preview:
    """The page's rows from the panel alone: no query beyond the ones that loaded it."""
    m = panel.cohort.mentors_per_team
    by_team: dict[int, list[MentorMatch]] = {t.id: [] for t in panel.teams}
    for row in panel.matches:
        if row.cohort_team_id in by_team:
            by_team[row.cohort_team_id].append(row)
    tags = {tag.id: tag for t in panel.teams for tag in t.needs}
    sectors = {t.sector.id: t.sector for t in panel.teams if t.sector is not None}
    mentors = sorted(panel.mentors.values(), key=lambda u: name_sort_key(u.full_name))
    teams = []
    for membership in panel.teams:
        rows = by_team[membership.id]
        holding = sorted(
            (r for r in rows if r.status != MatchStatus.RELEASED),
            key=lambda r: (r.status != MatchStatus.PUBLISHED, r.mentor_id),
        )
        covered = set().union(
            *(
                panel.mentor_data[r.mentor_id].expertise
                for r in holding
                if r.mentor_id in panel.mentor_data
            )
        )
        team = panel.team_data[membership.id]
        excluded = []
        for mentor in mentors:
            if mentor.id not in panel.assignable or (membership.id, mentor.id) in panel.pairs:
                continue
            kinds = matching.conflict_kinds(team, panel.mentor_data[mentor.id])
            if kinds:
                excluded.append((mentor, labels.exclusion_label(kinds)))
        teams.append(
            TeamRow(
                membership=membership,
                pairs=holding,
                lacks=max(m - len(holding), 0),
                uncovered=[tag for tag in membership.needs if tag.id not in covered],
                excluded=excluded,
                released=[r for r in rows if r.status == MatchStatus.RELEASED],
                in_conflict={
                    r.mentor_id
                    for r in holding
                    if r.status == MatchStatus.PUBLISHED
                    and r.mentor_id in panel.mentor_data
                    and matching.conflict_kinds(team, panel.mentor_data[r.mentor_id])
                },
            )
        )
    loads = []
    for mentor in mentors:
        held = panel.held_here(mentor.id)
        loads.append(
            MentorLoad(
                mentor=mentor,
                organisation=panel.organisation(mentor.id),
                published=held[MatchStatus.PUBLISHED],
                proposed=held[MatchStatus.PROPOSED],
                elsewhere=panel.held_elsewhere[mentor.id],
                capacity=panel.offered(mentor.id),
            )
        )
    return Preview(panel=panel, teams=teams, loads=loads, tags=tags, sectors=sectors)
