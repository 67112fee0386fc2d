"""The workshop room's web server (Tornado): participants score from their own laptop or phone, the facilitator
watches the room live. Everything it serves ships in the package, so a room works with no internet.

Who may see what:

- Without the room's code nothing is served: every page and call answers 403. The join link carries the code
  (``/join?code=...``); opening it sets a cookie, so the code is typed once.
- A participant who joined (name and role) gets a private token in a cookie, and a personal link
  (``/p/<token>``) to carry to another device. Every call acts on that participant's own answers only.
- The facilitator's view (``/facilitator?key=...``) needs a second key, printed only to the facilitator's terminal.

The facilitator picks the room's moment (``/api/moment``: scoring, segment names, backlog vote, business case;
:mod:`cxmethods.run.room.moments`); participants' pages ask for it every few seconds and follow. Only the
participant's vote is theirs to give; naming segments, accepting votes and changing an assumption are the
facilitator's. A refused value answers 422 with its one-line reason.

A save is acknowledged only once the answers file on disk holds it (:meth:`Room.save_answer`); the facilitator's
view waits for the next change (long polling) and so shows a save within the time it takes to recompute.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import secrets
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path

import tornado.web
from tornado.locks import Condition

from cxmethods.core.errors import CxmError
from cxmethods.run.room.moments import MOMENTS
from cxmethods.run.room.state import Participant, Room, RoomError

__all__ = ["RoomServer", "join_qr", "lan_address", "make_app"]

_ROOM, _ME, _FACILITATOR = "cxm_room", "cxm_me", "cxm_facilitator"
_WAIT = 25.0  # seconds a facilitator's view waits for a change before answering "nothing new"
_ASSETS = resources.files("cxmethods.run.room") / "assets"


@dataclass
class RoomServer:
    """The room and what the server shares between requests: a change counter, and the latest room view."""

    room: Room
    join_url: str = ""
    version: int = 0

    def __post_init__(self) -> None:
        # the view's version as the page sees it: a restarted server starts a new series, so no page waits on an old number
        self.boot = secrets.token_hex(4)
        self.cookie_suffix = hashlib.sha256(self.room.code.encode()).hexdigest()[:8]
        # saves wait in these threads for the file to hold them; many at once let SaveQueue write them together
        self.pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="cxm-room")
        self.changed = Condition()
        self._view: tuple[int, dict] | None = None
        self._computing: asyncio.Task | None = None
        self._stamps = self._file_stamps()

    def tag(self, version: int) -> str:
        return f"{self.boot}-{version}"

    @property
    def version_tag(self) -> str:
        return self.tag(self.version)

    def bump(self) -> None:
        """A change through the room (its file is already written, so the file watcher need not count it again)."""
        self._stamps = self._file_stamps()
        self.version += 1
        self.changed.notify_all()

    def _file_stamps(self) -> tuple:
        files = (
            self.room.scores.path,
            self.room.consensus.path,
            self.room.folder / "participants.json",
            self.room.moments.votes.path,
            self.room.folder / "moment.json",
        )
        return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in files)

    def watch_files(self) -> None:
        """Changes made outside the room (a notebook form, a pooled file) count as changes too."""
        stamps = self._file_stamps()
        if stamps != self._stamps:
            self._stamps = stamps
            self.bump()

    async def run(self, call, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, lambda: call(*args, **kwargs))

    async def view(self) -> tuple[int, dict]:
        """The latest room view: computed once however many facilitators ask, and returned when that computation
        ends even if more changes arrived meanwhile (the next request picks those up), so a busy room never keeps
        the facilitator waiting for a quiet moment."""
        if self._view is None or self._view[0] != self.version:
            if self._computing is None:
                self._computing = asyncio.ensure_future(self._compute(self.version))
            await asyncio.shield(self._computing)
        assert self._view is not None
        return self._view

    async def _compute(self, version: int) -> None:
        try:
            data = await self.run(self.room.room_view)
            data["join_url"] = self.join_url
            data["code"] = self.room.code
            data["moment"] = self.room.moments.current()
            data["moments"] = MOMENTS
            self._view = (version, data)
        finally:
            self._computing = None


class _Base(tornado.web.RequestHandler):
    server: RoomServer

    def initialize(self, server: RoomServer) -> None:
        self.server = server

    @property
    def room(self) -> Room:
        return self.server.room

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        # everything is the room's own: no scripts or styles from elsewhere, no framing
        self.set_header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        )

    def _name(self, cookie: str) -> str:
        """Cookies ignore ports: each room's cookies carry its own name, so two rooms in one browser stay apart."""
        return f"{cookie}_{self.server.cookie_suffix}"

    def _cookie(self, name: str, value: str) -> None:
        self.set_cookie(self._name(name), value, httponly=True, samesite="Strict", path="/")

    def _given(self, name: str) -> str:
        return self.get_cookie(self._name(name), "") or ""

    def in_room(self) -> bool:
        return _same(self._given(_ROOM), self.room.code) or self.facilitator()

    def facilitator(self) -> bool:
        return _same(self._given(_FACILITATOR), self.room.facilitator_key)

    def me(self) -> Participant | None:
        return self.room.participant(self._given(_ME)) if self.in_room() else None

    def refuse(self) -> None:
        self.set_status(403)
        if self.request.path.startswith("/api/"):
            inside = self.in_room() and not self.facilitator()
            why = "Only the facilitator can do this." if inside else "This room needs its join link or code. Ask the facilitator."
            self.finish({"error": why})
        else:
            self.finish(_asset("refused.html"))

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400, reason="The request is not JSON") from None
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(400, reason="The request is not a JSON object")
        return data

    def write_error(self, status_code: int, **kwargs) -> None:
        """Calls get a one-line JSON error the page can show: a refusal (422) says why, an answers file the room
        cannot use (503) says which and nothing was saved, an unexpected one names no internals."""
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, RoomError):
            self.set_status(status_code := 422)
        elif isinstance(error, CxmError):
            self.set_status(status_code := 503)
        message = (
            str(error)
            if isinstance(error, CxmError)
            else self._reason
            if status_code < 500
            else "The room hit an unexpected problem; the facilitator's terminal shows it."
        )
        if self.request.path.startswith("/api/"):
            self.finish({"error": message})
        else:
            self.finish(f"<!doctype html><title>{status_code}</title><p>{message}</p>")

    def log_exception(self, typ, value, tb) -> None:  # type: ignore[override]
        if not isinstance(value, CxmError):  # a refusal or a named file problem is the user's news, not a crash
            super().log_exception(typ, value, tb)

    def problem(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish({"error": message})

    def prepare(self) -> None:
        # calls that change something come from the room's own pages only: in the room, JSON, from this origin
        if self.request.method == "POST":
            if not self.in_room():
                self.refuse()
            elif not self.request.headers.get("Content-Type", "").startswith("application/json"):
                raise tornado.web.HTTPError(415, reason="Send JSON")


#: The base of every room handler (cookies, refusals, JSON bodies), for trainer mode's (:mod:`.training_server`).
RoomHandler = _Base


class Join(_Base):
    def get(self) -> None:
        code = (self.get_argument("code", "") or "").strip().lower()
        if code and _same(code, self.room.code):
            self._cookie(_ROOM, self.room.code)
            self.redirect("/")
        elif self.in_room():
            self.redirect("/")
        else:
            self.refuse()


class Personal(_Base):
    def get(self, token: str) -> None:
        if self.room.participant(token) is None:
            return self.refuse()
        self._cookie(_ROOM, self.room.code)
        self._cookie(_ME, token)
        self.redirect("/")


class Page(_Base):
    """The participant's page, or the facilitator's: one HTML file each, the app in its script."""

    def initialize(self, server: RoomServer, page: str, facilitator: bool = False) -> None:  # type: ignore[override]
        super().initialize(server)
        self.page, self.for_facilitator = page, facilitator

    def get(self) -> None:
        if self.for_facilitator:
            key = self.get_argument("key", "")
            if key and _same(key, self.room.facilitator_key):
                self._cookie(_FACILITATOR, key)
                return self.redirect(self.request.path)  # the same page, the key now in a cookie, not in the address
            if not self.facilitator():
                return self.refuse()
        elif not self.in_room():
            return self.refuse()
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(_asset(self.page))


class Asset(_Base):
    def get(self, name: str) -> None:
        if not self.in_room():
            return self.refuse()
        kind = {"js": "text/javascript", "css": "text/css"}.get(name.rsplit(".", 1)[-1])
        if kind is None or not (_ASSETS / name).is_file():
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", f"{kind}; charset=utf-8")
        self.finish(_asset(name))


class Me(_Base):
    """Who the participant is and what their page shows (``view``: the scoring's, or trainer mode's exercises)."""

    def initialize(self, server: RoomServer, view=None) -> None:  # type: ignore[override]
        super().initialize(server)
        self.view = view or self.room.participant_view

    async def get(self) -> None:
        if not self.in_room():
            return self.refuse()
        me = self.me()
        if me is None:
            return self.finish({"joined": False, "organisation": self.room.engagement.organisation})
        self.finish({"joined": True, "link": f"/p/{me.token}", **await self.server.run(self.view, me)})


class JoinCall(_Base):
    async def post(self) -> None:
        if not self.in_room():
            return self.refuse()
        data = self.body()
        me = await self.server.run(self.room.join, str(data.get("name", "")), str(data.get("role", "")))
        self._cookie(_ME, me.token)
        self.server.bump()
        self.finish({"joined": True, "link": f"/p/{me.token}"})


class Answer(_Base):
    async def post(self) -> None:
        me = self.me()
        if me is None:
            return self.refuse() if not self.in_room() else self.problem(401, "Join the room first (name and role).")
        data = self.body()
        given = {k: data[k] if data[k] is None else str(data[k]) for k in ("current", "target", "evidence") if k in data}
        saved = await self.server.run(self.room.save_answer, me, str(data.get("dimension_id", "")), **given)
        self.server.bump()
        self.finish(saved)


class RoomView(_Base):
    async def get(self) -> None:
        if not self.facilitator():
            return self.refuse()
        if self.get_argument("since", "") == self.server.version_tag:
            await self.server.changed.wait(timeout=timedelta(seconds=_WAIT))
        version, data = await self.server.view()
        self.finish({"version": self.server.tag(version), **data})


class Consensus(_Base):
    async def post(self) -> None:
        if not self.facilitator():
            return self.refuse()
        data = self.body()
        await self.server.run(
            self.room.save_consensus,
            str(data.get("dimension_id", "")),
            current=str(data.get("current", "")),
            target=str(data.get("target", "")),
            rationale=str(data.get("rationale", "")),
            strengths=str(data.get("strengths", "")),
            areas=str(data.get("areas", "")),
        )
        self.server.bump()
        self.finish({"saved": True})


class Link(_Base):
    async def post(self) -> None:
        if not self.facilitator():
            return self.refuse()
        data = self.body()
        known = len(self.room.participants())
        person = await self.server.run(self.room.link_for, str(data.get("name", "")), str(data.get("role", "")))
        if len(self.room.participants()) != known:  # a redraw would otherwise take the link off the facilitator's screen
            self.server.bump()
        self.finish({"link": f"/p/{person.token}"})


class _Act(_Base):
    """A call of the room's moments (refusals and file problems answered by :meth:`_Base.write_error`)."""

    async def act(self, call, *args, **kwargs) -> None:
        answer = await self.server.run(call, *args, **kwargs)
        if self.request.method == "POST":
            self.server.bump()
        self.finish(answer)


class Moment(_Act):
    """The room's moment: everyone in the room reads it (participants' pages follow it); the facilitator sets it."""

    def get(self) -> None:
        if not self.in_room():
            return self.refuse()
        moment = self.room.moments.current()
        self.finish({"moment": moment, "label": MOMENTS[moment], "version": self.server.version})

    async def post(self) -> None:
        if not self.facilitator():
            return self.refuse()
        chosen = str(self.body().get("moment", ""))
        await self.act(lambda: {"moment": self.room.moments.choose(chosen), "label": MOMENTS.get(chosen, "")})


class Segments(_Act):
    async def get(self) -> None:
        if not self.facilitator():
            return self.refuse()
        await self.act(self.room.moments.segments_view)

    async def post(self) -> None:
        if not self.facilitator():
            return self.refuse()
        d = self.body()
        text = {k: str(d.get(k) or "") for k in ("segment", "name", "pen_portrait", "objective")}
        await self.act(self.room.moments.save_segment_name, **text)


class Backlog(_Act):
    """The facilitator's picture of the vote; a participant's own votes."""

    async def get(self) -> None:
        if self.facilitator() and self.get_argument("mine", "") != "1":
            return await self.act(self.room.moments.backlog_view)
        me = self.me()
        if me is None:
            return self.refuse() if not self.in_room() else self.problem(401, "Join the room first (name and role).")
        await self.act(self.room.moments.participant_backlog, me.name)


class Vote(_Act):
    async def post(self) -> None:
        me = self.me()
        if me is None:
            return self.refuse() if not self.in_room() else self.problem(401, "Join the room first (name and role).")
        d = self.body()
        await self.act(
            self.room.moments.save_vote, me.name, me.role, str(d.get("id", "")), str(d.get("score", "")), d.get("value")
        )


class AcceptVotes(_Act):
    async def post(self) -> None:
        if not self.facilitator():
            return self.refuse()
        await self.act(self.room.moments.accept_votes, str(self.body().get("id", "")))


class Case(_Act):
    async def get(self) -> None:
        if not self.facilitator():
            return self.refuse()
        await self.act(self.room.moments.case_view, self.get_argument("fresh", "") == "1")


class CaseMoved(_Act):
    async def post(self) -> None:
        if not self.facilitator():
            return self.refuse()
        d = self.body()
        name, value = str(d.get("name", "")), d.get("value")
        if self.request.path.endswith("/save"):
            return await self.act(self.room.moments.save_assumption, name, value, str(d.get("note") or ""))
        self.finish(await self.server.run(self.room.moments.what_moved, name, value))  # nothing saved: no bump


class QR(_Base):
    def get(self) -> None:
        if not self.facilitator():
            return self.refuse()
        self.set_header("Content-Type", "image/svg+xml")
        svg = io.BytesIO()
        join_qr(self.server.join_url).save(svg, kind="svg", scale=6, border=2, title="QR code of the room's join link")
        self.finish(svg.getvalue())


class NotFound(_Base):
    def get(self, *_) -> None:
        if not self.in_room():
            return self.refuse()
        raise tornado.web.HTTPError(404)

    post = get


def make_app(server: RoomServer, extra: tuple | list = ()) -> tornado.web.Application:
    """The room's app; ``extra`` routes (trainer mode's) come first, so they may take over a path such as ``/``."""
    s = {"server": server}
    return tornado.web.Application(
        [
            *extra,
            (r"/", Page, {**s, "page": "participant.html"}),
            (r"/facilitator", Page, {**s, "page": "facilitator.html", "facilitator": True}),
            (r"/join", Join, s),
            (r"/p/([A-Za-z0-9_-]+)", Personal, s),
            (r"/assets/([a-z_]+\.(?:js|css))", Asset, s),
            (r"/api/me", Me, s),
            (r"/api/join", JoinCall, s),
            (r"/api/answer", Answer, s),
            (r"/api/room", RoomView, s),
            (r"/api/consensus", Consensus, s),
            (r"/api/link", Link, s),
            (r"/api/moment", Moment, s),
            (r"/api/segments", Segments, s),
            (r"/api/backlog", Backlog, s),
            (r"/api/vote", Vote, s),
            (r"/api/backlog/accept", AcceptVotes, s),
            (r"/api/case", Case, s),
            (r"/api/case/(?:moved|save)", CaseMoved, s),
            (r"/qr.svg", QR, s),
        ],
        default_handler_class=NotFound,
        default_handler_args=s,
        xsrf_cookies=False,  # SameSite=Strict cookies and JSON-only calls keep other sites' pages out
        compress_response=True,
    )


def _same(given: str, secret: str) -> bool:
    """A constant-time comparison that any text can be given to (compare_digest refuses non-ASCII strings)."""
    return secrets.compare_digest(given.encode("utf-8", "replace"), secret.encode("utf-8"))


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def join_qr(url: str):
    """The join link as a QR code (segno): ``.terminal()`` prints it, ``.save(path)`` writes PNG or SVG."""
    import segno

    return segno.make(url, error="m")


def lan_address() -> str:
    """This machine's address on its local network (no packet is sent), or 127.0.0.1 without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def write_qr(url: str, path: Path) -> Path:
    join_qr(url).save(str(path), scale=8, border=2)
    return path
