"""The App Home tab: a welcome for newcomers, the dashboard for enrolled leads."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from bot.coaching.categories import label
from bot.coaching.diagnostic import VERDICTS
from bot.services.home import HomeState, LoopsState, RecentEntry
from bot.slack.blocks.entries import EDIT_ACTION, category_list, delete_button
from bot.slack.blocks.kit import Block, actions, button, clip, context, divider, header, section
from bot.slack.blocks.scorecard import WAITED
from bot.slack.text import render

START_ACTION = "home_start"
REFLECT_ACTION = "home_reflect"
LOG_ACTION = "home_log"
CODING_ACTION = "home_why_coding"
SETTINGS_ACTION = "home_settings"
PAUSE_ACTION = "home_pause_until"
RESUME_ACTION = "home_resume"
HANDOFF_ACTION = "home_handoff"
DECISION_ACTION = "home_decision"
ENTRY_PREVIEW_MAX = 300
SPARKS = "▁▂▃▄▅▆▇█"


def home_view(env: Environment, state: HomeState, retention_days: int = 30) -> dict[str, Any]:
    """The Home tab for a lead, enrolled or not."""
    # A fixed shape: the one list, recent entries, is cut at five with a count, so Home stays far below 100 blocks.
    privacy = render(env, "privacy.md.j2", retention_days=retention_days)
    blocks = _dashboard(env, state, privacy) if state.enrolled else _welcome(env, state, privacy)
    return {"type": "home", "blocks": blocks}


def _welcome(env: Environment, state: HomeState, privacy: str) -> list[Block]:
    blocks = [header("Lead Coach"), section(render(env, "home_welcome.md.j2")), divider()]
    blocks.append(section("Get one short reflection prompt at the end of each workday."))
    blocks.append(actions(button("Start coaching", START_ACTION, style="primary"), block_id="home_start"))
    if state.entry_total:
        blocks.append(
            context(
                f"Daily prompts are off. Your log is kept: {_entries(state.entry_total)}. "
                "`/coach export` turns it into a brag document."
            )
        )
    blocks.append(context(privacy))
    return blocks


def _dashboard(env: Environment, state: HomeState, privacy: str) -> list[Block]:
    blocks = [header("Lead Coach"), section(_schedule_line(state)), _buttons(state), divider()]
    if state.week is not None:
        labels = {category: label(category) for category, _ in state.week.by_category}
        blocks.append(section(render(env, "home_week.md.j2", week=state.week, labels=labels)))
    blocks.append(divider())
    blocks.extend(_recent(state))
    if state.loops is not None:
        blocks.append(divider())
        blocks.append(section(_loops(state.loops)))
        blocks.append(
            actions(
                button("Record a hand-off", HANDOFF_ACTION),
                button("Leave a decision", DECISION_ACTION),
                block_id="home_loops",
            )
        )
    if state.coding is not None:
        blocks.append(divider())
        blocks.append(section(_coding(env, state)))
    blocks.append(context(privacy + " `/coach forget` deletes everything."))
    return blocks


def _schedule_line(state: HomeState) -> str:
    where = f" ({state.timezone})" if state.timezone else ""
    if state.away_through:
        return f":palm_tree: Away until {state.away_through}, as your Slack status says: no prompts till then."
    if state.paused_through:
        first = f" Your next prompt: *{state.next_prompt_local}*{where}." if state.next_prompt_local else ""
        return f":double_vertical_bar: Paused through *{state.paused_through}*.{first}"
    if not state.next_prompt_local:
        return "Daily prompts are not scheduled right now: `/coach start` turns them back on."
    line = f"Next reflection prompt: *{state.next_prompt_local}*{where}."
    if state.next_scorecard_local:
        line += f"\nNext weekly scorecard: *{state.next_scorecard_local}*."
    return line


def _buttons(state: HomeState) -> Block:
    pause_or_resume: Block
    if state.paused_through:
        pause_or_resume = button("Resume now", RESUME_ACTION)
    else:
        pause_or_resume = {
            "type": "datepicker",
            "action_id": PAUSE_ACTION,
            "placeholder": {"type": "plain_text", "text": "Pause until…"},
        }
    return actions(
        button("Reflect now", REFLECT_ACTION, style="primary"),
        button("Log impact", LOG_ACTION),
        button("Why am I coding?", CODING_ACTION),
        button("Settings", SETTINGS_ACTION),
        pause_or_resume,
        block_id="home_actions",
    )


def _recent(state: HomeState) -> list[Block]:
    if not state.recent:
        return [section("*Recent entries*\nNothing logged yet. Answer a prompt, or `/impact what you did` any time.")]
    blocks = [section("*Recent entries*")]
    for entry in state.recent:
        blocks.append(section(_entry_text(entry)))
        value = str(entry.entry_id)
        blocks.append(
            actions(button("Edit", EDIT_ACTION, value), delete_button(value), block_id=f"home_entry_{entry.entry_id}")
        )
    if state.entry_total > len(state.recent):
        blocks.append(
            context(
                f"The latest {len(state.recent)} of {_entries(state.entry_total)}. "
                "`/coach export` gives you all of them as a brag document."
            )
        )
    return blocks


def _entry_text(entry: RecentEntry) -> str:
    filed = category_list(entry.categories) if entry.categories else "not filed yet"
    shared = " · _may appear in the digest_" if entry.shareable else ""
    lines = clip(entry.text.strip(), ENTRY_PREVIEW_MAX).splitlines() or [""]
    quote = "\n".join(f"> {line}" for line in lines)  # stored as Slack sent it: already escaped
    return f"*{entry.logged_on}* · {filed}{shared}\n{quote}"


def _loops(loops: LoopsState) -> str:
    lines = ["*Could the team run without you?* (last four weeks)"]
    if loops.held:
        lines.append(f"Hand-offs that held: {loops.held.good} of {loops.held.total} ({loops.held.share:.0%})")
    else:
        lines.append("Hand-offs that held: none followed up yet")
    if loops.autonomy:
        made = loops.autonomy
        lines.append(f"Decisions the team made without you: {made.good} of {made.total} ({made.share:.0%})")
    if loops.last_absence:
        lines.append(f"Last absence: {WAITED[loops.last_absence]}")
    if loops.waiting_handoffs or loops.waiting_decisions:
        lines.append(
            f"Still to ask about: {loops.waiting_handoffs} hand-off{'s' if loops.waiting_handoffs != 1 else ''}, "
            f"{loops.waiting_decisions} decision{'s' if loops.waiting_decisions != 1 else ''}"
        )
    return "\n".join(lines)


def _coding(env: Environment, state: HomeState) -> str:
    assert state.coding is not None
    stats = render(env, "diagnostic_stats.md.j2", trend=state.coding, verdicts=VERDICTS)
    if not state.coding.total:
        return stats
    weekly = " · ".join(str(count) for count in state.coding.by_week)
    return f"{stats}\nWeek by week, oldest first: `{sparkline(state.coding.by_week)}` {weekly}"


def sparkline(counts: tuple[int, ...]) -> str:
    """Counts as one line of block characters, scaled to the largest; any count above zero shows above the floor."""
    peak = max(counts, default=0)
    top = len(SPARKS) - 1
    return "".join(SPARKS[max(1, round(count * top / peak)) if count > 0 else 0] for count in counts)


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"
