"""The routes of trainer mode (``cxm room --training``), added to the room's app by :func:`training_routes`.

- ``/`` is the exercises page for participants (``training.html``); the self-assessment moves to ``/score``.
- ``/facilitator/training`` is the facilitator's view: each exercise with its solution, the notes of its section
  and the room's answers as they arrive (long polling on the room's change counter, as ``/api/room`` does).
- ``/api/training`` (a participant's exercises and own answers), ``/api/training/answer`` (save one answer),
  ``/api/training/discount?rate=1.5`` (the discount control), ``/api/training/room`` (the facilitator's).

Without ``--training`` none of these exist (404), and the same cookies guard them as every other route.
"""

from __future__ import annotations

from datetime import timedelta

from cxmethods.run.room.server import Me, Page, RoomHandler, RoomServer
from cxmethods.run.room.training import Training

__all__ = ["training_routes"]

_WAIT = 25.0  # seconds the facilitator's view waits for a change before answering "nothing new" (as /api/room)


class _TrainingBase(RoomHandler):
    training: Training

    def initialize(self, server: RoomServer, training: Training) -> None:  # type: ignore[override]
        super().initialize(server)
        self.training = training


class ExerciseAnswer(_TrainingBase):
    async def post(self) -> None:
        me = self.me()
        if me is None:
            return self.refuse() if not self.in_room() else self.problem(401, "Join the room first (name and role).")
        data = self.body()
        saved = await self.server.run(
            self.training.save_answer, me, str(data.get("exercise_id", "")), str(data.get("answer") or "")
        )
        self.server.bump()
        self.finish(saved)


class Discount(_TrainingBase):
    async def get(self) -> None:
        if not self.in_room():
            return self.refuse()
        try:
            rate = float(self.get_argument("rate", "1.5"))
        except ValueError:
            return self.problem(422, "The rate is a number, a percentage a year (e.g. 1.5).")
        self.finish(await self.server.run(self.training.discount, rate))


class TrainingRoom(_TrainingBase):
    async def get(self) -> None:
        if not self.facilitator():
            return self.refuse()
        if self.get_argument("since", "") == self.server.version_tag:
            await self.server.changed.wait(timeout=timedelta(seconds=_WAIT))
        version = self.server.version_tag
        data = await self.server.run(self.training.facilitator_view)
        self.finish({"version": version, **data})


def training_routes(server: RoomServer, training: Training) -> list[tuple]:
    """The trainer mode's routes; they come first in the app, so ``/`` is the exercises page."""
    s, t = {"server": server}, {"server": server, "training": training}
    return [
        (r"/", Page, {**s, "page": "training.html"}),
        (r"/score", Page, {**s, "page": "participant.html"}),
        (r"/facilitator/training", Page, {**s, "page": "training_facilitator.html", "facilitator": True}),
        (r"/api/training", Me, {**s, "view": training.participant_view}),
        (r"/api/training/answer", ExerciseAnswer, t),
        (r"/api/training/discount", Discount, t),
        (r"/api/training/room", TrainingRoom, t),
    ]
