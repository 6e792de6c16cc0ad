"""Rendering a run's reports, storing them in the artifact store and linking them
from the run (``summary["report_html"]``, ``summary["report_markdown"]``)."""

from __future__ import annotations

from dataclasses import dataclass

from mlgate.config import Settings
from mlgate.store.metadata.base_runs import RunRecord
from mlgate.store.stores import Stores, open_stores

__all__ = ["RunReports", "attach_reports", "render_reports", "reports_of"]


@dataclass(frozen=True, slots=True)
class RunReports:
    """A run's two reports, with their digests in the artifact store."""

    run_id: str
    html: str
    markdown: str
    html_digest: str
    markdown_digest: str


def render_reports(stores: Stores, record: RunRecord) -> tuple[str, str]:
    """The run's HTML page and Markdown summary, rendered from the stores now."""
    from mlgate.report.collect import collect
    from mlgate.report.html import render_html
    from mlgate.report.markdown import render_markdown

    report = collect(stores, record)
    return render_html(report), render_markdown(report)


def attach_reports(stores: Stores, run_id: str) -> RunReports:
    """Render the run's reports, store them, and link them from the run's summary."""
    record = stores.metadata.get_run(run_id)
    if record is None:
        from mlgate.errors import NotFoundError

        raise NotFoundError(f"no run has the id {run_id!r}", hint="List runs with `mlgate runs`.")
    html, markdown = render_reports(stores, record)
    html_digest = stores.artifacts.put_bytes(html.encode())
    markdown_digest = stores.artifacts.put_bytes(markdown.encode())
    stores.metadata.update_run(
        run_id,
        summary={
            **record.summary,
            "report_html": html_digest,
            "report_markdown": markdown_digest,
        },
    )
    return RunReports(run_id, html, markdown, html_digest, markdown_digest)


def reports_of(ref: str, *, settings: Settings | None = None) -> RunReports:
    """A run's stored reports (by run id or unique prefix); rendered and stored if missing."""
    from mlgate.pipeline.query import resolve_run

    with open_stores(settings) as stores:
        record = resolve_run(ref, stores)
        html_digest = record.summary.get("report_html")
        markdown_digest = record.summary.get("report_markdown")
        if (
            html_digest
            and markdown_digest
            and stores.artifacts.has(html_digest)
            and stores.artifacts.has(markdown_digest)
        ):
            return RunReports(
                record.id,
                stores.artifacts.get_bytes(html_digest).decode(),
                stores.artifacts.get_bytes(markdown_digest).decode(),
                html_digest,
                markdown_digest,
            )
        return attach_reports(stores, record.id)
