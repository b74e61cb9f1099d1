"""`python -m standin`: run the Bot API stand-in on its own, optionally chatting from stdin."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from standin.server import StandIn
from standin.user import BotMessage, FakeUser

CHAT_HELP = "type text to send it; !press TEXT, !loc LAT LON, !contact PHONE; Ctrl-D quits"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port (0 picks a free one)")
    parser.add_argument("--token", help="accept only this bot token (default: any 123:abc token)")
    parser.add_argument("--chat", type=int, metavar="USER_ID", help="chat from stdin as this user")
    return parser.parse_args(argv)


async def chat_from_stdin(user: FakeUser) -> None:
    """Turn typed lines into updates from user until end of input."""
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command, _, rest = line.strip().partition(" ")
        try:
            if command == "!press":
                await user.press(rest)
            elif command == "!loc":
                latitude, longitude = (float(x) for x in rest.split())
                await user.send_location(latitude, longitude)
            elif command == "!contact":
                await user.send_contact(rest)
            elif line.strip():
                await user.send_text(line.strip())
        except (LookupError, ValueError) as exc:
            print(f"!! {exc}", flush=True)


def show(message: BotMessage) -> None:
    """Print a bot message as it arrives."""
    print(f"[chat {message.chat_id}] {message}", flush=True)


async def serve(args: argparse.Namespace) -> None:
    """Run until interrupted (or until stdin ends when chatting)."""
    tokens = {args.token} if args.token else None
    async with StandIn(host=args.host, port=args.port, tokens=tokens) as standin:
        print(f"Bot API stand-in listening on {standin.url}")
        print(f"  token:     {standin.token}")
        print(f"  base_url:  {standin.base_url}   base_file_url: {standin.base_file_url}")
        print(f"  nuanxin:   BOT_TOKEN={standin.token} TELEGRAM_API_URL={standin.url}", flush=True)
        standin.add_listener(show)
        if args.chat is None:
            await asyncio.Event().wait()
        else:
            print(f"chatting as user {args.chat}: {CHAT_HELP}", flush=True)
            await chat_from_stdin(standin.user(args.chat))


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
