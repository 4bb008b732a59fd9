"""The ranking page's choices (read from the query string) and its export button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField

from app.forms_common import Form, choices
from judging.ranking import METHODS
from judging.results.loading import RoundData
from judging.results.messages import METHOD_LABELS
from judging.results.services import OVERALL


class ScopeForm(Form):
    """Which pool (or the whole round) and which method; a value that is not a choice falls
    back to the default instead of failing."""

    class Meta:
        csrf = False  # a GET choice changes nothing

    pool = SelectField(_l("Pool"))
    method = SelectField(_l("Ranking method"))

    def prepare(self, data: RoundData, *, with_overall: bool = True) -> tuple[str, str]:
        """Fill the choices; returns the (scope, method) to show."""
        pools = [(str(p.id), p.name or _l("Entries without a pool")) for p in data.pools]
        if with_overall:
            pools.append((OVERALL, _l("Whole round (all pools together)")))
        self.pool.choices = choices(pools)
        self.method.choices = choices([(m, METHOD_LABELS[m]) for m in METHODS])
        self.validate()
        scope = self.pool.data if self.pool.data and not self.pool.errors else None
        if scope is None:
            scope = pools[0][0] if pools else OVERALL
            self.pool.data = scope
        method = self.method.data if self.method.data and not self.method.errors else None
        if method is None:
            method = data.settings.method
            self.method.data = method
        return scope, method


class ExportForm(Form):
    """The ranking shown (its method and its pool, or the whole round) as a workbook."""

    method = HiddenField()
    pool = HiddenField()
