"""Rubrics an organizer can start from.

Names, descriptions and level descriptors are English msgids: a rubric made from a template
is written in the organizer's language at the moment it is made (Vietnamese by default) and
then belongs to the round, free to edit. Weights equal the maxima, so each rubric adds up
to 100 points and a criterion's share of the total is plain to see.

Every criterion has four levels, weakest first; their score ranges are cut at a quarter, a
half and three quarters of the maximum (on the template's step), so a judge can see at a
glance what 6 out of 25 means.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from flask_babel import lazy_gettext as _l

LEVEL_CUTS = (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"))


@dataclass(frozen=True)
class CriterionTemplate:
    name: object  # lazy strings: turned into text in the organizer's language
    description: object
    max_score: int
    levels: tuple[object, object, object, object]  # weakest first


@dataclass(frozen=True)
class RubricTemplate:
    key: str
    title: object
    summary: object
    criteria: tuple[CriterionTemplate, ...]
    step: Decimal = Decimal("0.5")

    @property
    def total(self) -> int:
        return sum(criterion.max_score for criterion in self.criteria)


TEAM = CriterionTemplate(
    _l("Team strength"),
    _l(
        "Whether the members' skills and experience cover what the project needs, how "
        "committed they are, and who advises them."
    ),
    15,
    (
        _l("One person, or key skills missing with no plan to find them."),
        _l("Some key skills present; roles unclear."),
        _l("Complementary skills, clear roles, committed members."),
        _l(
            "Strong, experienced team with a record of results and the support of mentors "
            "or partners."
        ),
    ),
)

PRESENTATION = CriterionTemplate(
    _l("Presentation"),
    _l(
        "How clearly the file, the pitch deck and the video or pitch explain the project, "
        "and how well the team answers questions."
    ),
    10,
    (
        _l("Confused or incomplete; key information missing."),
        _l("Understandable but long or disorganised."),
        _l("Clear and well structured, with evidence."),
        _l("Convincing and concise; answers are confident and precise."),
    ),
)

STANDARD = RubricTemplate(
    key="standard",
    title=_l("Standard startup rubric (100 points)"),
    summary=_l(
        "Innovation 25, feasibility 20, market 20, team 15, social impact 10, presentation 10."
    ),
    criteria=(
        CriterionTemplate(
            _l("Innovation and creativity"),
            _l(
                "How new the idea, the product or the way of doing it is, compared with what "
                "already exists in the province and in Vietnam; whether it solves the problem "
                "better than the existing ways."
            ),
            25,
            (
                _l("Copies an existing product or idea with no visible improvement."),
                _l("Small improvements on existing solutions; the novelty is not explained."),
                _l(
                    "Clearly new in the province or for its customers, with a clear advantage "
                    "over the alternatives."
                ),
                _l(
                    "Original solution, new in Vietnam, hard to copy (technology, know-how or "
                    "business model)."
                ),
            ),
        ),
        CriterionTemplate(
            _l("Feasibility"),
            _l(
                "Whether the team can actually build and run it: technology, resources, costs, "
                "legal conditions, a realistic plan and the steps already taken."
            ),
            20,
            (
                _l("No plan; key resources or technology are missing."),
                _l("A plan exists but relies on unproven assumptions; costs are not estimated."),
                _l("Realistic plan and budget; a prototype or first tests done."),
                _l(
                    "Working product or pilot, resources secured, risks identified with "
                    "answers to them."
                ),
            ),
        ),
        CriterionTemplate(
            _l("Market"),
            _l(
                "Who the customers are and how many, whether they need it and will pay, the "
                "competitors, and how the project will earn money and grow."
            ),
            20,
            (
                _l("Customers and market are not identified."),
                _l("Customers named but the need and the size are guessed; no business model."),
                _l(
                    "Need confirmed with customers; market size and competitors analysed; "
                    "business model clear."
                ),
                _l(
                    "First sales, orders or letters of intent; a credible plan to grow beyond "
                    "the province."
                ),
            ),
        ),
        TEAM,
        CriterionTemplate(
            _l("Social impact"),
            _l(
                "Benefits for the community and the environment: jobs, incomes, local "
                "resources and products, vulnerable groups, sustainable use of resources."
            ),
            10,
            (
                _l("No visible benefit to society, or possible harm."),
                _l("Some indirect benefit, not measured."),
                _l("Clear benefit for a local community or the environment."),
                _l(
                    "Large, measurable benefit (jobs, incomes, emissions) that grows with the "
                    "project."
                ),
            ),
        ),
        PRESENTATION,
    ),
)

PITCH_FINAL = RubricTemplate(
    key="pitch_final",
    title=_l("Live pitch final (100 points)"),
    summary=_l(
        "For a festival final: problem and solution 20, business model and traction 20, "
        "market 20, team 15, pitch 15, answers to questions 10."
    ),
    criteria=(
        CriterionTemplate(
            _l("Problem and solution"),
            _l(
                "Whether the problem is real and important and the solution answers it better "
                "than the alternatives."
            ),
            20,
            (
                _l("Problem vague, solution unconvincing."),
                _l("Real problem; the solution's advantage is not shown."),
                _l(
                    "Important problem, solution clearly better, shown with a demonstration "
                    "or data."
                ),
                _l("Pressing problem and a proven, original solution."),
            ),
        ),
        CriterionTemplate(
            _l("Business model and traction"),
            _l(
                "How the project earns money, its costs and prices, and what it has achieved "
                "since the previous round (customers, sales, partners)."
            ),
            20,
            (
                _l("No business model."),
                _l("Model described but untested."),
                _l("Model tested with first customers; the numbers are consistent."),
                _l("Growing revenue or strong partners; the profit on each product sold is clear."),
            ),
        ),
        CriterionTemplate(
            _l("Market and growth potential"),
            _l(
                "Size of the market the project can reach, the competition, and how far it "
                "can grow with investment."
            ),
            20,
            (
                _l("Market unclear."),
                _l("Small or only local market; growth limited."),
                _l("Sizeable market with a credible plan to reach it."),
                _l("Large, growing market; the project can scale nationally or abroad."),
            ),
        ),
        TEAM,
        CriterionTemplate(
            _l("Pitch delivery"),
            _l("Clarity, structure and persuasiveness of the live pitch within the allotted time."),
            15,
            (
                _l("Unclear, over time or read from notes."),
                _l("Understandable but not persuasive."),
                _l("Clear, on time, engaging."),
                _l("Memorable and convincing; slides and demonstration support every point."),
            ),
        ),
        CriterionTemplate(
            _l("Answers to questions"),
            _l("How well the team understands its project and answers the judges' questions."),
            10,
            (
                _l("Cannot answer the key questions."),
                _l("Answers only in part."),
                _l("Correct, concise answers."),
                _l("Confident answers backed by data; the team knows its risks."),
            ),
        ),
    ),
)

HIGH_SCHOOL = RubricTemplate(
    key="high_school",
    title=_l("High-school startup and science projects (100 points)"),
    summary=_l(
        "Creative idea 30, scientific basis and feasibility 25, practical use 20, "
        "prototype 15, presentation 10."
    ),
    criteria=(
        CriterionTemplate(
            _l("Creative idea"),
            _l(
                "How new and creative the idea is for students of this age, and whether the "
                "students came up with it themselves."
            ),
            30,
            (
                _l("Copied idea."),
                _l("Known idea with small changes."),
                _l("New approach, the students' own work."),
                _l("Original idea that surprises the judges."),
            ),
        ),
        CriterionTemplate(
            _l("Scientific basis and feasibility"),
            _l(
                "Whether the idea rests on correct science and can be made with the "
                "resources of a school and a family."
            ),
            25,
            (
                _l("Scientific errors; cannot be made."),
                _l("Correct basis but the way to make it is unclear."),
                _l("Sound method and a realistic way to make it."),
                _l("Rigorous method, tested and measured."),
            ),
        ),
        CriterionTemplate(
            _l("Practical use"),
            _l(
                "Whether it answers a real need of the school, the family or the community, "
                "and who would use it."
            ),
            20,
            (
                _l("No real use."),
                _l("Possible use, not checked with users."),
                _l("Useful; people have tried it or asked for it."),
                _l("Already in use and could be sold or spread widely."),
            ),
        ),
        CriterionTemplate(
            _l("Prototype"),
            _l("What the students have built: a model, a prototype, software or a trial batch."),
            15,
            (
                _l("Nothing built yet."),
                _l("Drawings or an unfinished model."),
                _l("Working prototype."),
                _l("Finished, reliable prototype, tried by users."),
            ),
        ),
        PRESENTATION,
    ),
)

TEMPLATES: dict[str, RubricTemplate] = {
    template.key: template for template in (STANDARD, PITCH_FINAL, HIGH_SCHOOL)
}


def level_ranges(max_score: Decimal, step: Decimal) -> list[tuple[Decimal, Decimal]]:
    """Four ranges that cover 0..max on the step: [0, a], [a+step, b], [b+step, c], [c+step, max],
    cut at a quarter, a half and three quarters of the maximum (rounded down to the step)."""
    cuts = [(max_score * cut / step).to_integral_value(ROUND_FLOOR) * step for cut in LEVEL_CUTS]
    lows = [Decimal(0), *(cut + step for cut in cuts)]
    highs = [*cuts, max_score]
    return list(zip(lows, highs, strict=True))


def criteria_from(template: RubricTemplate) -> list[dict]:
    """The template's criteria as plain data in the current language."""
    rows = []
    for criterion in template.criteria:
        maximum = Decimal(criterion.max_score)
        ranges = level_ranges(maximum, template.step)
        rows.append(
            {
                "name": str(criterion.name),
                "description": str(criterion.description),
                "max_score": maximum,
                "weight": maximum,
                "levels": [
                    {"min": low, "max": high, "text": str(text)}
                    for (low, high), text in zip(ranges, criterion.levels, strict=True)
                ],
            }
        )
    return rows
