"""Standard 5-field cron with IANA time zones, over cronsim (Debian-cron DST rules).

DST follows Debian cron as cronsim implements it: a fixed time inside a skipped
hour runs at the first minute after the gap, a fixed time inside a repeated hour
runs once, and jobs whose minute or hour field starts with `*` run in real time
through both. APScheduler 3's own CronTrigger gets skipped hours wrong, which is
why `CronsimTrigger` exists.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from cron_descriptor import ExpressionDescriptor, Options
from cronsim import CronSim, CronSimError

__all__ = ["CronError", "CronsimTrigger", "describe", "next_fire_times", "schedule_text", "validate_schedule"]

FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
HORIZON = timedelta(days=5 * 366)
# Only the plain crontab alphabet: digits, names, `*`, `,`, `-`, `/`. cronsim also
# takes L, W, # and a seconds field, which other cron readers (and the planner
# scorer) do not understand, so they are refused here.
_FIELD_RE = re.compile(r"^[0-9a-z*,/-]+$")
_NAMES = {
    3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
}
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


class CronError(ValueError):
    """A cron expression or time zone that cannot be scheduled; the message says why."""


def _zone(timezone: str) -> ZoneInfo:
    try:
        if not timezone or timezone != timezone.strip():
            raise ValueError(timezone)
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CronError(f"unknown time zone {timezone!r}") from None


def _fields(cron: str) -> list[str]:
    """Split and syntax-check one expression; returns the 5 lower-cased fields."""
    if not isinstance(cron, str):
        raise CronError(f"invalid cron expression {cron!r}: expected a string")
    parts = cron.lower().split()
    if cron.strip().startswith("@"):
        raise CronError(f"invalid cron expression {cron!r}: macros such as @daily or "
                        "@reboot are not supported; write the 5 fields")
    if len(parts) != 5:
        raise CronError(f"invalid cron expression {cron!r}: expected 5 fields "
                        "(minute hour day-of-month month day-of-week)")
    for i, part in enumerate(parts):
        if not _FIELD_RE.match(part):
            raise CronError(f"invalid cron expression {cron!r}: bad {FIELD_NAMES[i]} "
                            f"field {part!r} (only numbers, names, '*', ',', '-' and '/')")
        for word in re.findall(r"[a-z]+", part):
            if word not in _NAMES.get(i, ()):
                raise CronError(f"invalid cron expression {cron!r}: {word!r} is not "
                                f"allowed in the {FIELD_NAMES[i]} field")
        # Probe each field alone so the message can name the one at fault.
        probe = ["*"] * 5
        probe[i] = part
        try:
            CronSim(" ".join(probe), datetime(2000, 1, 1))
        except (CronSimError, ValueError, IndexError):
            raise CronError(f"invalid cron expression {cron!r}: bad {FIELD_NAMES[i]} "
                            f"field {part!r}") from None
    return parts


@lru_cache(maxsize=1024)
def _checked(cron: str, timezone: str) -> tuple[str, ZoneInfo]:
    """Full validation, cached: returns the normalised expression and its zone."""
    parts = _fields(cron)
    zone = _zone(timezone)
    expr = " ".join(parts)
    now = datetime.now(zone)
    try:
        first = next(CronSim(expr, now))
    except (CronSimError, StopIteration):
        # cronsim refuses day-of-month values no listed month has (30 February)
        # at construction, and gives up after 50 years for the rest.
        first = None
    if first is None or first - now > HORIZON:
        raise CronError(f"cron {cron!r} never fires (checked five years ahead)")
    return expr, zone


def validate_schedule(cron: str, timezone: str) -> None:
    """Raise CronError unless `cron` is a standard 5-field crontab firing within five years in `timezone`."""
    _checked(cron, timezone)


def next_fire_times(cron: str, timezone: str, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire instants strictly after `after` (naive means UTC), in the trigger's zone."""
    expr, zone = _checked(cron, timezone)
    if after.tzinfo is None:
        after = after.replace(tzinfo=UTC)
    out: list[datetime] = []
    # Compare in UTC: datetimes sharing a tzinfo compare by wall clock and
    # ignore `fold`, so 1:00 EST would equal the 1:00 EDT an hour before it.
    last = after.astimezone(UTC)
    it = CronSim(expr, after.astimezone(zone))
    while len(out) < count:
        try:
            t = next(it)
        except StopIteration:
            break
        # cronsim walks fixed-time jobs in wall-clock time; starting inside the
        # second pass of a repeated hour it can yield the first pass, which is
        # already in the past. Those, and any repeat, are dropped.
        t_utc = t.astimezone(UTC)
        if t_utc <= last:
            continue
        out.append(t)
        last = t_utc
    return out


class CronsimTrigger(BaseTrigger):
    """APScheduler 3 trigger firing on a cron expression in an IANA zone, with Debian-cron DST rules."""

    def __init__(self, cron: str, timezone: str, offset: timedelta = timedelta(0)):
        self.cron, self.zone = _checked(cron, timezone)
        self.timezone = timezone
        # Slots are computed at real time + offset (an injectable clock for tests), then shifted back.
        self.offset = offset

    def get_next_fire_time(self, previous_fire_time, now):
        """Next slot strictly after the previous fire time, else the first slot at or after `now` (UTC)."""
        if previous_fire_time is not None:
            # Strictly after the previous slot even when `now` is earlier (clock
            # skew): a slot must never be handed out twice. Slots between the
            # previous one and `now` are returned so APScheduler can apply its
            # misfire and coalescing rules, as its CronTrigger does.
            after = previous_fire_time
        else:
            after = now - timedelta(microseconds=1)
        found = next_fire_times(self.cron, self.timezone, after + self.offset, 1)
        # In UTC: arithmetic on a zoned datetime drops `fold`, and the repeated hour would loop.
        return found[0].astimezone(UTC) - self.offset if found else None

    def __getstate__(self):
        return {"version": 1, "cron": self.cron, "timezone": self.timezone, "offset": self.offset.total_seconds()}

    def __setstate__(self, state):
        self.cron, self.zone = _checked(state["cron"], state["timezone"])
        self.timezone = state["timezone"]
        self.offset = timedelta(seconds=state.get("offset", 0))

    def __str__(self) -> str:
        return f"cron[{self.cron}, {self.timezone}]"

    def __repr__(self) -> str:
        return f"<CronsimTrigger (cron={self.cron!r}, timezone={self.timezone!r})>"


# --- plain-English descriptions -------------------------------------------------

def _expand(field: str, idx: int) -> set[int]:
    lo, hi = _BOUNDS[idx]
    out: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, s = part.split("/", 1)
            step = int(s)
        names = _NAMES.get(idx, [])

        def num(x: str, names: list[str] = names) -> int:
            return names.index(x) + (1 if idx == 3 else 0) if x in names else int(x)

        if part == "*":
            a, b = lo, hi
        elif "-" in part:
            a, b = (num(x) for x in part.split("-", 1))
        else:
            a = num(part)
            b = hi if step > 1 else a
        out.update(range(a, b + 1, step))
    if idx == 4 and 7 in out:
        out.discard(7)
        out.add(0)
    return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _clock(hour: int, minute: int) -> str:
    return f"{(hour % 12) or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def _is_list(field: str) -> bool:
    return bool(re.fullmatch(r"\d+(,\d+)*", field))


def _when(minute: str, hour: str) -> tuple[str, bool] | None:
    """(phrase, is_fixed_time) for the minute and hour fields, or None when unusual."""
    if _is_list(minute) and _is_list(hour):
        times = sorted((h, m) for h in _expand(hour, 1) for m in _expand(minute, 0))
        if len(times) <= 6:
            return "at " + _join([_clock(h, m) for h, m in times]), True
        return None
    step = re.fullmatch(r"\*/(\d+)", hour)
    if re.fullmatch(r"\d+", minute) and (hour == "*" or step):
        n = int(step.group(1)) if step else 1
        text = "every hour" if n == 1 else f"every {n} hours"
        m = int(minute)
        return (text if m == 0 else f"{text} at {m} minutes past the hour"), False
    window = re.fullmatch(r"(\d+)-(\d+)(?:/(\d+))?", hour)
    if hour == "*" or (window and not window.group(3)):
        if minute == "*" or re.fullmatch(r"\*/\d+", minute):
            n = 1 if minute == "*" else int(minute[2:])
            text = "every minute" if n == 1 else f"every {n} minutes"
            if window:
                last = max(_expand(minute, 0))
                text += f" from {_clock(int(window.group(1)), 0)} to {_clock(int(window.group(2)), last)}"
            return text, False
    if window and re.fullmatch(r"\d+", minute):
        hours, m = sorted(_expand(hour, 1)), int(minute)
        n = int(window.group(3) or 1)
        text = "every hour" if n == 1 else f"every {n} hours"
        return f"{text} from {_clock(hours[0], m)} to {_clock(hours[-1], m)}", False
    return None


def _days(dom: str, month: str, dow: str) -> tuple[str, str] | None:
    """('every ...' form, 'on ...' form) of the day fields, or None when unusual."""
    if dom == "*" and month == "*":
        days = _expand(dow, 4)
        if len(days) == 7:
            return "every day", ""
        if days == {1, 2, 3, 4, 5}:
            return "every weekday (Monday to Friday)", "on weekdays (Monday to Friday)"
        if days == {0, 6}:
            return "every Saturday and Sunday", "on weekends (Saturday and Sunday)"
        if len(days) == 6:
            (missing,) = set(range(7)) - days
            return f"every day except {_DAY_NAMES[missing]}", f"on every day except {_DAY_NAMES[missing]}"
        names = [_DAY_NAMES[d] for d in sorted(days, key=lambda d: (d + 6) % 7)]
        return "every " + _join(names), "on " + _join([n + "s" for n in names])
    if dow != "*" or "/" in dom:
        return None
    months = _expand(month, 3)
    if dom == "*":
        text = "every day in " + _join([_MONTH_NAMES[m - 1] for m in sorted(months)])
        return text, "in " + _join([_MONTH_NAMES[m - 1] for m in sorted(months)])
    days = sorted(_expand(dom, 2))
    if len(days) > 4:
        return None
    head = ("on day " if len(days) == 1 else "on days ") + _join([str(d) for d in days])
    where = "every month" if len(months) == 12 else _join([_MONTH_NAMES[m - 1] for m in sorted(months)])
    text = f"{head} of {where}"
    return text, text


def _fallback(expr: str) -> str:
    try:
        opts = Options()
        opts.use_24hour_time_format = False
        text = ExpressionDescriptor(expr, opts).get_description()
    except Exception:  # noqa: BLE001 - cron-descriptor raises its own family; any failure -> raw text
        return f"on cron {expr!r}"
    text = re.sub(r"\b0(\d):", r"\1:", text)
    return text[:1].lower() + text[1:]


def describe(cron: str, timezone: str) -> str:
    """Plain English for a schedule, zone included: 'every day at 9:00 AM, America/New_York'."""
    expr = " ".join(_fields(cron))
    _zone(timezone)
    minute, hour, dom, month, dow = expr.split()
    when, days = _when(minute, hour), _days(dom, month, dow)
    if when and days:
        phrase, fixed = when
        every, on = days
        text = f"{every} {phrase}" if fixed else (f"{phrase} {on}" if on else phrase)
    else:
        text = _fallback(expr)
    return f"{text}, {timezone}"


def schedule_text(cron: str, timezone: str) -> str:
    """cron-descriptor's words for a schedule plus its zone: 'At 09:00 AM, Monday through Friday (America/New_York)'."""
    expr, _ = _checked(cron, timezone)
    opts = Options()
    opts.use_24hour_time_format = False
    try:
        words = ExpressionDescriptor(expr, opts).get_description()
    except Exception:  # noqa: BLE001 - cron-descriptor raises its own family; the cron itself is still true
        words = f"cron {expr}"
    return f"{words} ({timezone})"
