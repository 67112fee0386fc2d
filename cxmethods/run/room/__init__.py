"""The workshop room (``cxm room``): participants score from their own laptop or phone, with no code in sight,
and the facilitator watches the room's answers arrive.

- :mod:`~cxmethods.run.room.state`: the room without the web (participants, answers, the live picture);
- :mod:`~cxmethods.run.room.moments`: the room's other moments (segment names, backlog vote, business case), which
  the facilitator picks and participants' pages follow;
- :mod:`~cxmethods.run.room.server`: the Tornado app serving it, and the join link's QR code;
- :mod:`~cxmethods.run.room.training` and :mod:`~cxmethods.run.room.training_server`: trainer mode (``--training``),
  the workbooks' exercises without code, answers in prose, solutions and notes for the facilitator only;
- ``assets/``: the participant's and the facilitator's pages (HTML, CSS and JavaScript of our own, no network).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cxmethods.core.config import Engagement
from cxmethods.run.room.server import RoomServer, join_qr, lan_address, make_app, write_qr
from cxmethods.run.room.state import Room, RoomError
from cxmethods.run.room.training import Training
from cxmethods.run.room.training_server import training_routes

__all__ = ["OpenRoom", "Room", "RoomError", "open_room", "serve"]

_BODY_LIMIT = 64 * 1024  # the largest call a page makes is a few kilobytes: nothing bigger is read into memory


@dataclass(frozen=True)
class OpenRoom:
    """A room ready to serve: its links, its QR code's text and image, and the answers files it writes."""

    server: RoomServer
    host: str
    port: int
    join_url: str
    facilitator_url: str
    qr_text: str
    qr_image: Path
    training: Training | None = None


def open_room(
    engagement: Engagement,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    run_dir: str | Path | None = None,
    training: bool = False,
) -> OpenRoom:
    """Make the room for ``engagement`` and its links (nothing listens until :func:`serve`). ``run_dir``: the run
    whose artifacts the segment names, backlog vote, business case and the training's discount control start from
    (default ``out/<engagement name>``). ``training``: trainer mode, the workbooks' exercises for the room
    (:mod:`~cxmethods.run.room.training`)."""
    room = Room(engagement, run_dir)
    shown = lan_address() if host in ("0.0.0.0", "") else host
    shown = f"[{shown}]" if ":" in shown else shown  # an IPv6 address in a link goes in brackets
    base = f"http://{shown}:{port}"
    join_url = f"{base}/join?code={room.code}"
    qr = join_qr(join_url)
    return OpenRoom(
        server=RoomServer(room, join_url=join_url),
        host=host,
        port=port,
        join_url=join_url,
        facilitator_url=f"{base}/facilitator?key={room.facilitator_key}",
        qr_text=_qr_text(qr),
        qr_image=write_qr(join_url, room.folder / "join-qr.png"),
        training=Training(room, room.moments.run_dir) if training else None,
    )


def _qr_text(qr) -> str:
    """The QR code in block characters, two modules per character row, for a terminal."""
    rows = [[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=2)]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    glyph = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
    return "\n".join("".join(glyph[top, bottom] for top, bottom in zip(a, b)) for a, b in zip(rows[::2], rows[1::2]))


def serve(opened: OpenRoom, *, ready: Callable[[], None] | None = None) -> None:
    """Serve the room until interrupted (Ctrl+C)."""
    from tornado.ioloop import PeriodicCallback

    async def main() -> None:
        app = make_app(opened.server, training_routes(opened.server, opened.training) if opened.training else [])
        if opened.training:
            opened.training.start()
        app.listen(opened.port, address=opened.host, max_body_size=_BODY_LIMIT)
        PeriodicCallback(opened.server.watch_files, 1000).start()
        if ready:
            ready()
        await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
