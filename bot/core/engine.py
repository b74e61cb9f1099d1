"""The core's one entry point: an event in, the actions to take out.

    engine = Engine(services)
    await engine.start()                  # conversations read back after a restart
    actions = await engine.handle(event)  # what to send, edit, answer
    due = await engine.sweep()            # conversations idle past the timeout, ended

Who gets the event first: a staff member's answer being written takes its text and its
buttons; a worker in the middle of a suggestion gets everything (other commands are
asked about, not lost); otherwise commands, buttons and messages go to their feature.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from bot.catalog import lang_of, t
from bot.core import buttons as b
from bot.core.actions import (
    Action,
    Buttons,
    Message,
    Pinned,
    Posted,
    PrivateChatButton,
    RemoveKeys,
)
from bot.core.cases import remember_cards
from bot.core.context import Ctx, Services
from bot.core.errors import UserFacingError
from bot.core.events import Command, Event, Location, Press, Text, Voice
from bot.core.features import (
    answer,
    desks,
    faq,
    intents,
    mine,
    policies,
    privacy,
    rating,
    reports,
    staff,
    start,
    stations,
    tofaq,
)
from bot.core.knowledge import describe, reload_knowledge
from bot.core.menu import main_menu
from bot.core.suggest import flow as suggest
from bot.core.suggest.draft import ACTIVE, NAME, PARKED
from bot.core.text import clean_text, content_size
from bot.storage import users

logger = logging.getLogger(__name__)
STAFF_LANG = "zh"


class Access(Enum):
    ANYONE = "anyone"
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class Route:
    run: Callable[[Ctx, Any], Awaitable[None]]
    access: Access = Access.ANYONE
    private: bool = False  # a worker's own feature: only in a one-to-one chat with the bot


def _worker(run: Callable[[Ctx, Any], Awaitable[None]]) -> Route:
    """A route of a worker's own features (suggestions, /my, questions...): in a group, the
    bot points to the private chat instead, so nobody's answers are read by the group."""
    return Route(run, private=True)


def _plain(fn: Callable[[Ctx], Awaitable[None]]) -> Callable[[Ctx, Any], Awaitable[None]]:
    async def run(ctx: Ctx, _: Any) -> None:
        await fn(ctx)

    return run


def _argv(fn: Callable[[Ctx, list[str]], Awaitable[None]]) -> Callable[[Ctx, Any], Awaitable[None]]:
    async def run(ctx: Ctx, command: Command) -> None:
        await fn(ctx, command.argv)

    return run


def _args(fn: Callable[[Ctx, str], Awaitable[None]]) -> Callable[[Ctx, Any], Awaitable[None]]:
    async def run(ctx: Ctx, command: Command) -> None:
        await fn(ctx, command.args)

    return run


async def nothing_to_cancel(ctx: Ctx) -> None:
    """/cancel outside a conversation."""
    ctx.say(ctx.t("suggest.nothing_to_cancel"))


async def reload_command(ctx: Ctx) -> None:
    """/reload: reload the FAQ, station and policy files; report exactly what is wrong."""
    result = await reload_knowledge(ctx.services)
    if result is not None:
        ctx.say(describe(result, ctx.lang))


async def ask_prompt(ctx: Ctx) -> None:
    await faq.ask_command(ctx)


COMMANDS: dict[str, Route] = {
    "start": _worker(_args(start.start)),  # `st_<id>`: from a station's poster
    "help": Route(_plain(start.help_command)),
    "language": _worker(_plain(start.switch_language)),
    "suggest": _worker(_plain(suggest.begin)),
    "complain": _worker(_plain(suggest.complain)),
    "cancel": Route(_plain(nothing_to_cancel)),
    "my": _worker(_plain(mine.my_command)),
    "ask": _worker(_args(faq.ask_command)),
    "stations": _worker(_plain(stations.stations_command)),
    "policies": _worker(_plain(policies.policies_command)),
    "delete_me": _worker(_plain(privacy.delete_me)),
    "view": Route(_argv(staff.view), Access.STAFF),
    "inbox": Route(_argv(staff.inbox), Access.STAFF),
    "answer": Route(_args(answer.answer_command), Access.STAFF),
    "templates": Route(_plain(answer.templates_command), Access.STAFF),
    "template": Route(_args(answer.template_command), Access.STAFF),
    "template_del": Route(_argv(answer.template_delete), Access.STAFF),
    "reassign": Route(_argv(desks.reassign), Access.STAFF),
    "extend": Route(_argv(desks.extend), Access.STAFF),
    "stats": Route(_plain(reports.stats), Access.STAFF),
    "export": Route(_argv(reports.export), Access.STAFF),
    "reload": Route(_plain(reload_command), Access.ADMIN),
}


def commands_for(access: Access) -> tuple[str, ...]:
    """The commands that need exactly `access`, in table order (the staff menus list them)."""
    return tuple(name for name, route in COMMANDS.items() if route.access is access)


MENU: dict[b.MenuItem, Callable[[Ctx], Awaitable[None]]] = {
    b.MenuItem.SUGGEST: suggest.begin,
    b.MenuItem.MY: mine.my_command,
    b.MenuItem.ASK: ask_prompt,
    b.MenuItem.STATIONS: stations.stations_command,
    b.MenuItem.POLICIES: policies.policies_command,
    b.MenuItem.HELP: start.help_command,
    b.MenuItem.LANGUAGE: start.switch_language,
}


async def menu(ctx: Ctx, button: b.Menu) -> None:
    await MENU[button.item](ctx)


async def suggest_button(ctx: Ctx, button: Any) -> None:
    """A suggestion button while no suggestion is going on."""
    if isinstance(button, b.Suggest) and button.act in (b.SuggestAct.RESUME,
                                                       b.SuggestAct.RESTART):  # fmt: skip
        await suggest.parked_button(ctx, button.act)
        return
    await suggest.stale(ctx)


async def ignore(ctx: Ctx, _: Any) -> None:
    """A button of something that is over (an answer already sent or cancelled)."""


BUTTONS: dict[type, Route] = {
    b.Menu: _worker(menu),
    b.Suggest: _worker(suggest_button),
    b.PickWorker: _worker(suggest_button),
    b.PickCategory: _worker(suggest_button),
    b.EditPart: _worker(suggest_button),
    b.Interrupt: _worker(suggest_button),
    b.MyPage: _worker(mine.my_page),
    b.FollowUp: _worker(rating.follow_up),
    b.Rate: _worker(rating.rate_button),
    b.FaqEntry: _worker(faq.faq_entry),
    b.FaqPass: _worker(faq.pass_on),
    b.StationFilter: _worker(stations.filter_button),
    b.StationMore: _worker(stations.more_button),
    b.StationView: _worker(stations.station_button),
    b.PolicyList: _worker(policies.policy_list),
    b.PolicyOpen: _worker(policies.policy_button),
    b.PolicyLink: _worker(policies.policy_button),
    b.StaffStatus: Route(staff.change_status, Access.STAFF),
    b.StaffCategories: Route(staff.pick_category, Access.STAFF),
    b.StaffSetCategory: Route(staff.set_category, Access.STAFF),
    b.StaffCard: Route(staff.back_to_card, Access.STAFF),
    b.StaffAnswer: Route(answer.start_answer, Access.STAFF),
    b.AnswerSend: Route(ignore, Access.STAFF),
    b.AnswerCancel: Route(ignore, Access.STAFF),
    b.AnswerTemplate: Route(ignore, Access.STAFF),
    b.InboxOpen: Route(staff.inbox_open, Access.STAFF),
    b.InboxPage: Route(staff.inbox_page, Access.STAFF),
    b.DeleteMe: _worker(privacy.delete_answer),
    b.ToFaq: Route(tofaq.to_faq, Access.STAFF),
    b.ToFaqEntry: Route(tofaq.to_faq_entry, Access.STAFF),
    b.StartCase: _worker(suggest.offered),
    b.StationReport: _worker(suggest.from_station),
    b.StationNearby: _worker(start.nearby),
}
GROUP_HINT_EVERY = 3600.0  # seconds: a group is pointed to private chats at most this often


class Engine:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.group_hints: dict[int, float] = {}  # group chat id -> when last pointed away

    async def start(self) -> None:
        """Read every conversation's step back from the database."""
        await self.services.talks.start([NAME, answer.NAME])

    async def posted(self, posted: Sequence[Posted | Pinned]) -> None:
        """Staff cards a reply posted (/view, a digest): remembered, so they are edited
        with the case from now on; station pins: remembered, so a newer one replaces them."""
        stations.pinned(self.services, [p for p in posted if isinstance(p, Pinned)])
        cards = [p for p in posted if isinstance(p, Posted)]
        if cards:
            await remember_cards(self.services, cards)

    async def handle(self, event: Event) -> list[Action]:
        """Everything the bot does in answer to `event`, in order."""
        return await self.call(event, self._handle)

    async def call(self, event: Event, run: Callable[[Ctx], Awaitable[None]]) -> list[Action]:
        """`run` for `event`, as `handle` runs the routes: the person remembered, a known
        failure said in their words, any other logged. A channel's own request that is no
        message (a web chat's offline draft) comes in here."""
        ctx = Ctx(self.services, event, self.services.memories.of(event.who))
        try:
            await self._remember(ctx)
            await run(ctx)
        except UserFacingError as exc:
            ctx.say(ctx.t(exc.key, **exc.values))
        except Exception:
            logger.exception("unhandled error in event %s", event.event_id)
            ctx.say(ctx.t("error"))
        return ctx.out

    async def _handle(self, ctx: Ctx) -> None:
        await self._route(ctx)
        if ctx.then is not None:  # the worker left a suggestion to do this instead
            body, ctx.then, ctx._button = ctx.then, None, None
            ctx.event = Event(ctx.event.who, body, ctx.event.event_id)
            await self._route(ctx)

    async def _remember(self, ctx: Ctx) -> None:
        """On a person's first event in this process: store them, learn their language."""
        if ctx.memory.seen:
            return
        who = ctx.who
        stored = await ctx.db(users.touch, who.user_id, lang_of(who.lang_hint), who.name or None,
                              who.username, now=ctx.now())  # fmt: skip
        ctx.memory.lang = lang_of(stored.language) if stored.language else lang_of(who.lang_hint)
        ctx.memory.seen = True

    async def _route(self, ctx: Ctx) -> None:
        writing = answer.active(ctx)
        if writing is not None and await answer.handle(ctx, writing):
            return
        step = suggest.active(ctx)
        if step is not None:
            await suggest.handle(ctx, step)
            return
        body = ctx.event.body
        if isinstance(body, Command):
            await self._command(ctx, body)
        elif isinstance(body, Press):
            await self._button(ctx)
        elif ctx.who.private:
            await self._message(ctx)

    async def _command(self, ctx: Ctx, command: Command) -> None:
        route = COMMANDS.get(command.name)
        if route is None:
            if ctx.who.private:
                ctx.say(ctx.t("unknown_command"))
            return
        if route.private and not ctx.who.private:
            self._private_only(ctx)
        elif await self._allowed(ctx, route):
            await route.run(ctx, command)

    async def _button(self, ctx: Ctx) -> None:
        button = ctx.button
        route = BUTTONS.get(type(button)) if button is not None else None
        if route is None:  # an old keyboard, or forged data
            ctx.toast(ctx.t("button.expired"))
            return
        if route.private and not ctx.who.private:
            self._private_only(ctx)
        elif await self._allowed(ctx, route):
            await route.run(ctx, button)

    def _private_only(self, ctx: Ctx) -> None:
        """A worker's feature asked for in a group: one short line with a button that opens
        the private chat, at most once an hour per group (a button gets a note each time)."""
        if isinstance(ctx.event.body, Press):
            ctx.toast(ctx.t("group.private_only"), alert=True)
            return
        now, hinted = self.services.clock.monotonic(), self.group_hints
        last = hinted.get(ctx.who.chat_id)
        if last is not None and now - last < GROUP_HINT_EVERY:
            return
        hinted[ctx.who.chat_id] = now
        open_chat = Buttons(((PrivateChatButton(ctx.t("group.open_private")),),))
        ctx.say(ctx.t("group.private_only"), open_chat)

    async def _allowed(self, ctx: Ctx, route: Route) -> bool:
        """Staff and admin routes check the role on every call; others are refused the way
        an unknown command is (a button gets an alert)."""
        if route.access is Access.ANYONE:
            return True
        role_ok = await (ctx.is_admin() if route.access is Access.ADMIN else ctx.is_staff())
        if role_ok:
            return True
        if isinstance(ctx.event.body, Press):
            ctx.toast(ctx.t("staff.refused"), alert=True)
        elif ctx.who.private:
            ctx.say(ctx.t("unknown_command"))
        return False

    async def _message(self, ctx: Ctx) -> None:
        """A message outside any conversation, in a private chat."""
        body = ctx.event.body
        if isinstance(body, Location):
            await stations.got_location(ctx, body.latitude, body.longitude)
            return
        if isinstance(body, Text):
            text = clean_text(body.text)
            if not text:
                return
            if not content_size(text):  # 😀😀 or ??: nothing to look up or pass to staff
                ctx.say(ctx.t("ask.no_words"), main_menu(ctx.lang))
                return
            waiting = rating.awaiting(ctx)
            if waiting is not None:  # the reason for a 不满意 just pressed
                await rating.reason(ctx, text, waiting)
                return
            # A place asking for stations first ("大洼哪有厕所"), then what the words say
            # ("你好", "我想投诉 ..."), then the FAQ.
            if await stations.from_text(ctx, text):
                return
            if await intents.reply(ctx, text):
                return
            await faq.typed_question(ctx, text)
            return
        if isinstance(body, Voice):  # a voice note is taken inside a suggestion: say how
            ctx.say(ctx.t("voice.outside"))
        await start.menu_title(ctx)

    async def daily(self) -> list[tuple[int, list[Action]]]:
        """The desks' daily digests (escalations and rating reminders go by the outbox)."""
        return await desks.daily(self.services)

    async def sweep(self) -> list[tuple[int, list[Action]]]:
        """End conversations idle past the timeout; the messages that say so, per chat."""
        talks, idle = (
            self.services.talks,
            timedelta(seconds=self.services.settings.conversation_timeout),
        )
        minutes = max(1, round(idle.total_seconds() / 60))
        due: list[tuple[int, list[Action]]] = []
        for row in await talks.expire(NAME, idle, states=ACTIVE):
            lang = str(row.data.get("lang", "zh"))
            due.append(
                (row.chat_id, [Message(t("suggest.timeout", lang, minutes=minutes), RemoveKeys())])
            )
        await talks.expire(NAME, suggest.PARKED_FOR, states=frozenset({PARKED}))
        for row in await talks.expire(answer.NAME, idle):
            lang = str(row.data.get("lang", STAFF_LANG))
            code = str(row.data.get("code", ""))
            due.append(
                (
                    row.chat_id,
                    [Message(t("staff.answer_expired", lang, code=code, minutes=minutes))],
                )
            )
        return due
