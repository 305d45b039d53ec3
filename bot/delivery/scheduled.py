"""Drawing and posting what the tick sends (prompts, scorecards with their chart, digests), with the policy each
needs: a chart at most once, names for mentions, a digest channel joined again or its chooser told."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from jinja2 import Environment

from bot.coaching.mentions import mentioned_users
from bot.services.ports import Gateway, Posted, SlackError, Unreachable
from bot.services.prompts import OutgoingPrompt
from bot.services.scorecards import OutgoingDigest, OutgoingSummary
from bot.slack.blocks.prompt import delivery_metadata, prompt_message
from bot.slack.blocks.scorecard import chart_bars, digest_message, scorecard_message, span
from bot.slack.chart import ChartData, chart_png
from bot.slack.text import render

logger = logging.getLogger(__name__)


class ScheduledPosts:
    """Posts the tick's kinds through the gateway."""

    def __init__(self, gateways: Callable[[str], Gateway], templates: Environment) -> None:
        self.gateways = gateways  # a workspace's gateway, with its own token
        self.templates = templates
        self._charts: dict[int, bool] = {}  # delivery id -> chart uploaded, while its message is being posted

    def post_prompt(self, prompt: OutgoingPrompt) -> Posted:
        """Post a prompt to the lead (a user id as channel posts in the app's DM)."""
        text, blocks = prompt_message(prompt)
        gateway = self.gateways(prompt.team_id)
        return gateway.post_message(prompt.user_id, text, blocks, delivery_metadata(prompt.delivery_id))

    def post_summary(self, summary: OutgoingSummary) -> Posted:
        """The chart first (best effort, first attempt only), then the scorecard; the text chart stands in."""
        gateway = self.gateways(summary.team_id)
        channel = summary.dm_channel or gateway.open_dm(summary.user_id)
        card = summary.scorecard
        uploaded = self._charts.get(summary.delivery_id)
        if uploaded is None:
            # Once per delivery, and never on a re-attempt after a crash: a second chart is worse than the text one.
            uploaded = summary.attempts == 1 and not card.is_empty and self._upload_chart(gateway, channel, summary)
            self._charts[summary.delivery_id] = uploaded
        names = self._names(gateway, summary.names, (m.text for m in card.highlights))
        text, blocks = scorecard_message(self.templates, summary, names, chart_uploaded=uploaded)
        posted = gateway.post_message(channel, text, blocks, delivery_metadata(summary.delivery_id))
        self._charts.pop(summary.delivery_id, None)
        return posted

    def _upload_chart(self, gateway: Gateway, channel: str, summary: OutgoingSummary) -> bool:
        title = f"Your week, {span(summary.first_day, summary.last_day)}"
        try:
            png = chart_png(ChartData(title, chart_bars(summary.scorecard), summary.scorecard.weekly))
            gateway.upload_file(
                channel,
                f"scorecard-{summary.scorecard.week}.png",
                png,
                title,
                alt_text="Bars of this week's moments by category against last week, and eight weeks of leadership "
                "against hands-on moments",
            )
        except Exception as error:  # the chart is a nicety: any failure falls back to the text chart
            logger.warning("chart for delivery %d not uploaded (%s): text chart instead", summary.delivery_id, error)
            return False
        return True

    def post_digest(self, digest: OutgoingDigest) -> Posted:
        """Post the digest; a public channel the bot left is joined again, anything else tells whoever set it."""
        gateway = self.gateways(digest.team_id)
        names = self._names(gateway, digest.names, (m.text for m in digest.digest.shared))
        text, blocks = digest_message(self.templates, digest, names)

        def post() -> Posted:
            return gateway.post_message(digest.channel, text, blocks, delivery_metadata(digest.delivery_id))

        try:
            return post()
        except Unreachable as refused:
            access = gateway.channel_access(digest.channel) if refused.code == "not_in_channel" else None
            if access is not None and access.can_post:
                return post()
            if digest.notify:
                reason = access.reason if access else "hidden"
                note = render(self.templates, "digest_blocked.md.j2", channel=digest.channel, reason=reason)
                gateway.post_message(digest.notify, note, None)
            raise

    def _names(self, gateway: Gateway, known: dict[str, str], texts: Iterable[str]) -> dict[str, str]:
        """Names for every user mentioned in the texts: our leads' from the database, the rest from users.info."""
        names = dict(known)
        for user_id in mentioned_users(texts) - set(names):
            try:
                names[user_id] = gateway.user_profile(user_id).display_name
            except SlackError:
                continue  # shown as "@someone": a missing name never stops a scorecard
        return names
