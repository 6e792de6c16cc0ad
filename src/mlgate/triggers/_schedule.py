"""Cron schedules: when an expression fires next, and whether it fired between two times.

Times are UTC. Day-of-month and day-of-week combine as in Vixie cron: when both are
restricted, a day matches if either does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mlgate.spec._types import cron_fields

__all__ = ["fired_between", "next_fire"]

#: No cron expression that parses needs more than this to fire (29 Feb on a Monday).
_HORIZON_DAYS = 366 * 28


def _day_matches(when: datetime, fields: tuple[frozenset[int], ...]) -> bool:
    _, _, days, months, weekdays, both = fields
    if when.month not in months:
        return False
    by_date = when.day in days
    by_weekday = (when.isoweekday() % 7) in weekdays
    return (by_date or by_weekday) if both else (by_date and by_weekday)


def next_fire(expression: str, after: datetime) -> datetime:
    """The first minute strictly after ``after`` at which ``expression`` fires.

    >>> next_fire("0 3 * * *", datetime(2026, 11, 27, 3, 0, tzinfo=UTC)).isoformat()
    '2026-11-28T03:00:00+00:00'
    """
    fields = cron_fields(expression)
    minutes, hours = sorted(fields[0]), sorted(fields[1])
    start = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = start.replace(hour=0, minute=0)
    for offset in range(_HORIZON_DAYS):
        current = day + timedelta(days=offset)
        if not _day_matches(current, fields):
            continue
        for hour in hours:
            for minute in minutes:
                candidate = current.replace(hour=hour, minute=minute)
                if candidate >= start:
                    return candidate
    raise ValueError(f"the cron expression {expression!r} never fires")  # pragma: no cover


def fired_between(expression: str, since: datetime, now: datetime) -> datetime | None:
    """The first time in ``(since, now]`` at which ``expression`` fired, if any (several
    missed firings, e.g. while the daemon was down, count as one)."""
    moment = next_fire(expression, since)
    return moment if moment <= now else None
