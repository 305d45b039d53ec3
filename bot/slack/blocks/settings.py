"""The settings modal: build it from a lead's settings, read a submission back, and say what was saved."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from bot.coaching.ideas import AUDIENCES
from bot.coaching.schedule import matching_timezones
from bot.services.settings import LeadSettings
from bot.slack.blocks.kit import Block, context, section

MODAL_CALLBACK = "settings_modal"
TIMEZONE_ACTION = "settings_timezone"
VALUE = "value"  # the action id of every other field: its block id says which field it is
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHARE_CHOICES = {"private": "Private: I'll choose per entry", "shareable": "Shareable in the team digest"}
TIMEZONE_OPTIONS_MAX = 100  # Slack shows at most 100 options


def settings_modal(current: LeadSettings) -> dict[str, Any]:
    """The modal, filled in with the lead's current settings."""
    blocks: list[Block] = [
        _input("prompt_time", "Daily prompt at", _timepicker(current.prompt_time)),
        _input("workdays", "On these days", _checkboxes(current.workdays)),
        _input("timezone", "Your timezone", _timezone_select(current.timezone), hint="Type a city, like Berlin."),
        _input("summary_weekday", "Weekly scorecard on", _weekday_select(current.summary_weekday)),
        _input("summary_time", "Scorecard at", _timepicker(current.summary_time)),
        _input("share_by_default", "New entries are", _share_choice(current.share_by_default)),
        _input(
            "holidays",
            "Public holidays of",
            _holidays_input(current.holidays),
            optional=True,
            hint="A country code like DE or US, or none. Empty: your timezone's country. No prompt on those days.",
        ),
        _input(
            "audiences",
            "About you",
            _audiences(current.audiences),
            optional=True,
            hint="Prompts that only make sense for some leads come only if they hold for you.",
        ),
        _input(
            "paused_until",
            "Pause everything through",
            _datepicker(current.paused_until),
            optional=True,
            hint="No prompts or scorecard until the day after. Clear it to pick up again now.",
        ),
        context("Changes apply from the next prompt. Nothing you logged is changed."),
    ]
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Coach settings"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def read_settings(values: dict[str, Any]) -> LeadSettings | dict[str, str]:
    """The settings a submission holds, or an error per field (block id) that can't be read."""
    errors: dict[str, str] = {}

    def state(field: str) -> dict[str, Any]:
        block = values.get(field)
        element = block.get(TIMEZONE_ACTION if field == "timezone" else VALUE) if isinstance(block, dict) else None
        return element if isinstance(element, dict) else {}

    def read_time(field: str) -> time:
        raw = str(state(field).get("selected_time") or "")
        try:
            if len(raw) == len("16:30"):
                return time.fromisoformat(raw)
        except ValueError:
            pass
        errors[field] = "Pick a time, like 16:30."
        return time(0, 0)

    def selected(field: str) -> str:
        option = state(field).get("selected_option")
        return str(option.get("value") or "") if isinstance(option, dict) else ""

    workdays = frozenset(
        int(value)
        for option in state("workdays").get("selected_options") or []
        if isinstance(option, dict) and (value := str(option.get("value"))) in "1234567" and len(value) == 1
    )
    weekday = selected("summary_weekday")
    if weekday not in ("1", "2", "3", "4", "5", "6", "7"):
        errors["summary_weekday"] = "Pick a day of the week for your scorecard."
    share = selected("share_by_default")
    if share not in SHARE_CHOICES:
        errors["share_by_default"] = "Choose private or shareable."
    audiences = frozenset(
        value
        for option in state("audiences").get("selected_options") or []
        if isinstance(option, dict) and (value := str(option.get("value"))) in AUDIENCES
    )
    holidays_text = str(state("holidays").get("value") or "").strip()
    holidays: str | None = (
        None if not holidays_text else "" if holidays_text.lower() == "none" else holidays_text.upper()
    )
    paused_until: date | None = None
    if raw_date := state("paused_until").get("selected_date"):
        try:
            paused_until = date.fromisoformat(str(raw_date))
        except ValueError:
            errors["paused_until"] = "Pick a date from the calendar."
    chosen = LeadSettings(
        prompt_time=read_time("prompt_time"),
        workdays=workdays,
        timezone=selected("timezone"),
        summary_weekday=int(weekday) if "summary_weekday" not in errors else 0,
        summary_time=read_time("summary_time"),
        share_by_default=share == "shareable",
        paused_until=paused_until,
        audiences=audiences,
        holidays=holidays,
    )
    return errors or chosen


def timezone_options(query: str) -> list[Block]:
    """Options for the timezone menu as the lead types."""
    return [_option(zone, zone) for zone in matching_timezones(query, TIMEZONE_OPTIONS_MAX)]


def saved_view(next_prompt: str | None, scorecard: str | None, timezone: str) -> dict[str, Any]:
    """What the modal shows once the settings are saved."""
    if next_prompt:
        lines = [f"Saved. Your next prompt: *{next_prompt}* ({timezone})."]
        if scorecard:
            lines.append(f"Your next scorecard: *{scorecard}*.")
    else:
        lines = ["Saved. Daily prompts are off or paused for now: `/coach resume` or `/coach start` brings them back."]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Coach settings"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [section("\n".join(lines))],
    }


def _input(field: str, label: str, element: Block, *, optional: bool = False, hint: str | None = None) -> Block:
    block: Block = {
        "type": "input",
        "block_id": field,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _timepicker(at: time) -> Block:
    return {"type": "timepicker", "action_id": VALUE, "initial_time": f"{at:%H:%M}"}


def _datepicker(day: date | None) -> Block:
    element: Block = {"type": "datepicker", "action_id": VALUE}
    if day is not None:
        element["initial_date"] = day.isoformat()
    return element


def _checkboxes(days: frozenset[int]) -> Block:
    options = [_option(name, str(number)) for number, name in enumerate(DAYS, start=1)]
    element: Block = {"type": "checkboxes", "action_id": VALUE, "options": options}
    if days:
        element["initial_options"] = [options[day - 1] for day in sorted(days)]
    return element


def _holidays_input(country: str | None) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": VALUE, "max_length": 8}
    shown = "none" if country == "" else country
    if shown:
        element["initial_value"] = shown
    return element


def _audiences(chosen: frozenset[str]) -> Block:
    options = [_option(text, key) for key, text in AUDIENCES.items()]
    element: Block = {"type": "checkboxes", "action_id": VALUE, "options": options}
    if chosen:
        element["initial_options"] = [option for option, key in zip(options, AUDIENCES, strict=True) if key in chosen]
    return element


def _weekday_select(weekday: int) -> Block:
    options = [_option(name, str(number)) for number, name in enumerate(DAYS, start=1)]
    element: Block = {"type": "static_select", "action_id": VALUE, "options": options}
    if 1 <= weekday <= 7:
        element["initial_option"] = options[weekday - 1]
    return element


def _share_choice(shareable: bool) -> Block:
    options = [_option(text, value) for value, text in SHARE_CHOICES.items()]
    return {"type": "radio_buttons", "action_id": VALUE, "options": options, "initial_option": options[shareable]}


def _timezone_select(timezone: str) -> Block:
    return {
        "type": "external_select",
        "action_id": TIMEZONE_ACTION,
        "placeholder": {"type": "plain_text", "text": "Search for a city"},
        "initial_option": _option(timezone, timezone),
        "min_query_length": 2,
    }
