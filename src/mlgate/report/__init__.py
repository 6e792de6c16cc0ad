"""Reports: what a run did and decided, for people — one self-contained HTML page
(inline CSS, plots as inline SVG, no network needed) and one Markdown summary
(for a pull-request comment or ``$GITHUB_STEP_SUMMARY``) per run.

:mod:`~mlgate.report.collect` gathers a run's facts into a :class:`RunReport`;
:mod:`~mlgate.report.markdown` and :mod:`~mlgate.report.html` render it;
:mod:`~mlgate.report.plots` draws the plots (matplotlib, headless);
:mod:`~mlgate.report.api` stores the reports and links them from the run.
"""

from __future__ import annotations

from mlgate.report.api import RunReports, attach_reports, render_reports, reports_of

__all__ = ["RunReports", "attach_reports", "render_reports", "reports_of"]
