"""How the kinds of milestones read on screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from accelerator.models import MilestoneKind

MILESTONE_KIND_LABELS = {
    MilestoneKind.TRAINING: _l("Training"),
    MilestoneKind.CHECK_IN: _l("Progress check-in"),
    MilestoneKind.DEMO_DAY: _l("Demo day"),
    MilestoneKind.OTHER: _l("Other"),
}


def milestone_kind_label(kind: str) -> str:
    return str(MILESTONE_KIND_LABELS.get(kind, kind))
