"""Which mentors each cohort team gets: the matching problem over plain data, solved by
app.optimiser.

No Flask and no database here (the services load a :class:`MatchingData` and write the
:class:`MatchingResult` back as MentorMatch rows), so the rules are tested in milliseconds
against an exhaustive oracle. The choices an organizer may ask about:

* **Fit.** A team's fit is :data:`NEED_COVERED` for each of its needs that at least one of its
  mentors has as expertise — once, however many of them have it, which is what makes the
  optimiser prefer two mentors covering finance and marketing to two covering finance twice —
  plus, per mentor, :data:`SAME_SECTOR` when the mentor knows the team's sector and
  :data:`PREFERRED` when the team asked for that mentor.
* **Priorities.** Fill as many teams' slots (m mentors each) as the capacities and conflicts
  allow, then maximise the total fit; loads are not balanced (a mentor's capacity is what the
  mentor offered). Solved exactly: the optimiser's coverage mode, a MILP with zero gap.
* **Never proposed.** A mentor from the organisation (compared folded, when not empty) or the
  unit of one of the team's members (a conflict), a mentor the team must not get, and a pair an
  organizer released. They are returned as :class:`Exclusion` rows so a page can say why.
* **Kept pairs.** Published matches are kept as they stand and count against the team's m and
  the mentor's capacity. A team that already holds more than m, or a mentor more than the
  capacity given, simply gets nothing new: re-running never undoes a published match. A kept
  pair that has since become a conflict is still kept and is listed in ``kept_in_conflict``, so
  an organizer can release it.
* **Explanation.** Each pair's ``fit`` and ``reasons`` (the JSON stored on MentorMatch) split
  the team's fit between its mentors: a covered need is credited to one mentor — a kept one
  first, then by id — and the other mentors who also have it say so with an ``also_covers``
  reason worth nothing. The fits of a team's mentors add up to the team's fit.

Capacity is taken as given: the caller subtracts what the mentor holds in other cohorts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from app.optimiser import AssignmentProblem, Coverage, solve
from app.vietnamese import fold

# Weights of the fit. A covered need is the point of mentoring, so it weighs most: as much as
# sector and preference together. A preference comes next (the team knows why it wants that
# person); the same sector helps, but a finance mentor from another sector still serves a team
# that needs finance. Whole numbers, so fits read well and compare exactly.
NEED_COVERED = 10
PREFERRED = 6
SAME_SECTOR = 4

# Why a pair is excluded, as stored in Exclusion.kinds (in this order when several apply).
RELEASED = "released"
EXCLUDED = "excluded"
SAME_ORGANISATION = "organisation"
SAME_UNIT = "unit"


@dataclass(frozen=True)
class TeamData:
    """A cohort team as matching sees it. ``needs`` are expertise tag ids, most important first
    (the order the reasons are listed in); ``organisations`` and ``unit_ids`` are its members'
    (for conflicts); ``excluded`` the mentors it must not get, whatever the reason."""

    id: int
    needs: tuple[int, ...]
    sector_id: int | None = None
    preferred: frozenset[int] = frozenset()
    organisations: frozenset[str] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    excluded: frozenset[int] = frozenset()


@dataclass(frozen=True)
class MentorData:
    """A mentor of the panel: expertise tag ids, sector ids, organisation and unit (for
    conflicts) and how many more teams of this cohort the mentor can take, kept ones included."""

    id: int
    expertise: frozenset[int]
    sectors: frozenset[int] = frozenset()
    organisation: str = ""
    unit_id: int | None = None
    capacity: int = 0


@dataclass(frozen=True)
class MatchingData:
    """The cohort's matching problem; ``kept`` and ``released`` are (team id, mentor id)."""

    teams: tuple[TeamData, ...]
    mentors: tuple[MentorData, ...]
    mentors_per_team: int
    kept: frozenset[tuple[int, int]] = frozenset()
    released: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class MatchedMentor:
    mentor_id: int
    fit: int
    reasons: tuple[dict, ...]
    """JSON-able, e.g. ``{"kind": "need", "tag_id": 3}``, ``{"kind": "also_covers", "tag_id":
    3}``, ``{"kind": "sector", "sector_id": 1}``, ``{"kind": "preferred"}``."""
    kept: bool


@dataclass(frozen=True)
class TeamResult:
    team_id: int
    mentors: tuple[MatchedMentor, ...]
    """Kept mentors first, then the proposed ones, each group by mentor id."""
    fit: int
    lacks: int
    """How many mentors short of m the team is (0 when it has its m)."""
    uncovered: tuple[int, ...]
    """Needs no mentor of the team covers, most important first."""


@dataclass(frozen=True)
class Exclusion:
    team_id: int
    mentor_id: int
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class MatchingResult:
    teams: tuple[TeamResult, ...]
    """One per team, in the order given."""
    excluded: tuple[Exclusion, ...]
    """Pairs never proposed and why, by (team id, mentor id); kept pairs are not in here."""
    kept_in_conflict: tuple[Exclusion, ...]
    loads: dict[int, int]
    saturated: frozenset[int]
    """Mentors at capacity whom a team lacking mentors could have had: the bottleneck."""
    total_fit: int
    slots: int
    lacking: int

    def proposed(self) -> list[tuple[int, MatchedMentor]]:
        """The new pairs to store as proposals, as (team id, mentor)."""
        return [(t.team_id, m) for t in self.teams for m in t.mentors if not m.kept]


def match(data: MatchingData) -> MatchingResult:
    """Return the optimal matching (see the module docstring). Raises ``ValueError`` for an
    inconsistent problem: a duplicate id, a negative m or capacity, a kept pair naming an
    unknown team or mentor, or a pair both kept and released."""
    _validate(data)
    teams = {team.id: team for team in data.teams}
    mentors = {mentor.id: mentor for mentor in data.mentors}
    # Folded once per person, not once per pair: a province's cohort has tens of thousands.
    organisation = {mentor.id: fold(mentor.organisation) for mentor in data.mentors}
    organisations = {team.id: {fold(name) for name in team.organisations} for team in data.teams}
    exclusions = {
        (team.id, mentor.id): kinds
        for team in data.teams
        for mentor in data.mentors
        if (
            kinds := _exclusion_kinds(
                team, mentor, data.released, organisation[mentor.id], organisations[team.id]
            )
        )
    }
    kept_per_team = Counter(team_id for team_id, _ in data.kept)
    kept_per_mentor = Counter(mentor_id for _, mentor_id in data.kept)
    demand = {t: max(data.mentors_per_team, kept_per_team[t]) for t in teams}
    capacity = {m: max(mentors[m].capacity, kept_per_mentor[m]) for m in mentors}
    allowed = [
        (t, m) for t in teams for m in mentors if (t, m) in data.kept or (t, m) not in exclusions
    ]
    problem = AssignmentProblem(
        items=demand,
        providers=capacity,
        pairs={(t, m): _pair_cost(teams[t], mentors[m]) for t, m in allowed},
        fixed=data.kept,
        balance_weight=0,
        coverage=_coverage(teams, mentors, allowed),
    )
    assignment = solve(problem)

    chosen: dict[int, list[int]] = defaultdict(list)
    for team_id, mentor_id in assignment.pairs:
        chosen[team_id].append(mentor_id)
    results = tuple(
        _team_result(
            team, chosen[team.id], mentors, data.kept, assignment.shortfall.get(team.id, 0)
        )
        for team in data.teams
    )
    return MatchingResult(
        teams=results,
        excluded=tuple(
            Exclusion(t, m, kinds)
            for (t, m), kinds in sorted(exclusions.items())
            if (t, m) not in data.kept
        ),
        kept_in_conflict=tuple(
            Exclusion(t, m, exclusions[(t, m)])
            for t, m in sorted(data.kept)
            if (t, m) in exclusions
        ),
        loads=assignment.loads,
        saturated=assignment.saturated,
        total_fit=sum(result.fit for result in results),
        slots=sum(demand.values()),
        lacking=sum(assignment.shortfall.values()),
    )


def _exclusion_kinds(
    team: TeamData,
    mentor: MentorData,
    released: frozenset[tuple[int, int]],
    organisation: str,
    team_organisations: set[str],
) -> tuple[str, ...]:
    """Why the pair is never proposed; ``organisation`` and ``team_organisations`` folded."""
    kinds = [RELEASED] if (team.id, mentor.id) in released else []
    return (*kinds, *_conflicts(team, mentor, organisation, team_organisations))


def _conflicts(
    team: TeamData, mentor: MentorData, organisation: str, team_organisations: set[str]
) -> tuple[str, ...]:
    kinds = []
    if mentor.id in team.excluded:
        kinds.append(EXCLUDED)
    if organisation and organisation in team_organisations:
        kinds.append(SAME_ORGANISATION)
    if mentor.unit_id is not None and mentor.unit_id in team.unit_ids:
        kinds.append(SAME_UNIT)
    return tuple(kinds)


def conflict_kinds(team: TeamData, mentor: MentorData) -> tuple[str, ...]:
    """Why this mentor may never be given to this team, released pairs aside: the rule a
    page applies to a pair added by hand, the same the matching applies."""
    team_organisations = {fold(name) for name in team.organisations}
    return _conflicts(team, mentor, fold(mentor.organisation), team_organisations)


def _pair_cost(team: TeamData, mentor: MentorData) -> float:
    """The per-pair part of the fit, as a cost (the optimiser minimises)."""
    fit = 0
    if team.sector_id is not None and team.sector_id in mentor.sectors:
        fit += SAME_SECTOR
    if mentor.id in team.preferred:
        fit += PREFERRED
    return float(-fit)


def _coverage(
    teams: dict[int, TeamData], mentors: dict[int, MentorData], allowed: list[tuple[int, int]]
) -> dict[int, list[Coverage[int]]]:
    """Each need of a team is a group: the allowed mentors who have it, worth NEED_COVERED."""
    allowed_for: dict[int, list[MentorData]] = defaultdict(list)
    for team_id, mentor_id in allowed:
        allowed_for[team_id].append(mentors[mentor_id])
    coverage: dict[int, list[Coverage[int]]] = {}
    for team_id, team in teams.items():
        groups = []
        for tag in dict.fromkeys(team.needs):
            providers = frozenset(m.id for m in allowed_for[team_id] if tag in m.expertise)
            if providers:
                groups.append(Coverage(providers, NEED_COVERED))
        coverage[team_id] = groups
    return coverage


def _team_result(
    team: TeamData,
    mentor_ids: list[int],
    mentors: dict[int, MentorData],
    kept: frozenset[tuple[int, int]],
    lacks: int,
) -> TeamResult:
    order = sorted(mentor_ids, key=lambda m: ((team.id, m) not in kept, m))
    needs = tuple(dict.fromkeys(team.needs))
    credited: set[int] = set()
    matched = []
    for mentor_id in order:
        mentor = mentors[mentor_id]
        reasons: list[dict] = []
        fit = 0
        for tag in needs:
            if tag not in mentor.expertise:
                continue
            if tag in credited:
                reasons.append({"kind": "also_covers", "tag_id": tag})
            else:
                credited.add(tag)
                reasons.append({"kind": "need", "tag_id": tag})
                fit += NEED_COVERED
        if team.sector_id is not None and team.sector_id in mentor.sectors:
            reasons.append({"kind": "sector", "sector_id": team.sector_id})
            fit += SAME_SECTOR
        if mentor_id in team.preferred:
            reasons.append({"kind": "preferred"})
            fit += PREFERRED
        matched.append(MatchedMentor(mentor_id, fit, tuple(reasons), (team.id, mentor_id) in kept))
    return TeamResult(
        team_id=team.id,
        mentors=tuple(matched),
        fit=sum(m.fit for m in matched),
        lacks=lacks,
        uncovered=tuple(tag for tag in needs if tag not in credited),
    )


def _validate(data: MatchingData) -> None:
    team_ids = [team.id for team in data.teams]
    mentor_ids = [mentor.id for mentor in data.mentors]
    for what, ids in (("team", team_ids), ("mentor", mentor_ids)):
        duplicates = sorted(i for i, count in Counter(ids).items() if count > 1)
        if duplicates:
            raise ValueError(f"{what} ids given twice: {duplicates}")
    if isinstance(data.mentors_per_team, bool) or data.mentors_per_team < 0:
        raise ValueError(f"mentors per team must be ≥ 0, not {data.mentors_per_team!r}")
    for mentor in data.mentors:
        if isinstance(mentor.capacity, bool) or mentor.capacity < 0:
            raise ValueError(f"capacity of mentor {mentor.id} must be ≥ 0")
    known_teams, known_mentors = set(team_ids), set(mentor_ids)
    for pair in sorted(data.kept):
        if pair[0] not in known_teams or pair[1] not in known_mentors:
            raise ValueError(f"kept pair {pair!r} names an unknown team or mentor")
        if pair in data.released:
            raise ValueError(f"pair {pair!r} is both kept and released")
