"""A workshop room (``cxm room``) running as its own process on a free port, on a copy of the sample engagement,
and a participant's or facilitator's HTTP session with it (cookies kept, as a browser keeps them).

Only the standard library is imported at the top: each of thirty participants' processes imports this module."""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START = 60.0  # seconds: a 2-core CI machine importing pandas and spaCy


@dataclass
class RunningRoom:
    folder: Path
    base: str
    join_url: str
    facilitator_url: str
    code: str
    output: str

    @property
    def answers(self) -> Path:
        return self.folder / "workshop" / "self_assessment.csv"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_room(folder: Path, *extra: str) -> Iterator[RunningRoom]:
    """Copy the sample into ``folder`` (if not there), start ``cxm room`` on it, yield its links, stop it."""
    if not (folder / "engagement.yaml").exists():
        from cxmethods.sample import write_sample  # here, so that participants' processes import only the stdlib

        write_sample(folder)
    port = free_port()
    cxm = Path(sys.executable).parent / "cxm"
    log = folder.parent / f"room-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(cxm), "room", str(folder / "engagement.yaml"), "--port", str(port), *extra], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START
        while True:
            text = log.read_text()
            if "Facilitator's view" in text and _listening(port):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"cxm room did not start (exit {process.poll()}):\n{text[-3000:]}")
            time.sleep(0.2)
        join = re.search(r"(http://\S+/join\?code=(\S+))", text)
        facilitator = re.search(r"(http://\S+/facilitator\?key=\S+)", text)
        assert join and facilitator, text
        yield RunningRoom(folder, f"http://127.0.0.1:{port}", join.group(1), facilitator.group(1), join.group(2), text)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Session:
    """One browser's worth of cookies talking to the room."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url: str) -> tuple[int, bytes]:
        return self._send(urllib.request.Request(self._url(url)))

    def post(self, url: str, data: object, content_type: str = "application/json") -> tuple[int, dict]:
        body = json.dumps(data).encode() if content_type == "application/json" else str(data).encode()
        request = urllib.request.Request(self._url(url), data=body, headers={"Content-Type": content_type}, method="POST")
        status, raw = self._send(request)
        try:
            return status, json.loads(raw or b"{}")
        except ValueError:
            return status, {"raw": raw.decode(errors="replace")}

    def json(self, url: str) -> dict:
        status, raw = self.get(url)
        assert status == 200, (url, status, raw[:300])
        return json.loads(raw)

    def _url(self, url: str) -> str:
        return url if url.startswith("http") else self.base + url

    def _send(self, request: urllib.request.Request) -> tuple[int, bytes]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def participant(args) -> list[tuple[str, str, str, str]]:
    """One participant in a process of their own: join, then score every dimension and edit each evidence once."""
    base, join_url, who, dimensions = args
    me = Session(base)
    assert me.get(join_url)[0] == 200
    status, joined = me.post("/api/join", {"name": who, "role": f"Role of {who}"})
    assert status == 200, joined
    acknowledged = []
    for i, d in enumerate(dimensions):
        current, target = str(1 + (i + len(who)) % 5), str(1 + (i * 3 + len(who)) % 5)
        evidence = f'{who} on {d}: "seen", at 9,30; =SUM(A1)'
        assert me.post("/api/answer", {"dimension_id": d, "current": current, "target": target, "evidence": "draft"})[0] == 200
        status, saved = me.post("/api/answer", {"dimension_id": d, "evidence": evidence})
        assert status == 200 and saved["saved"], saved
        acknowledged.append((who, d, current, target, evidence))
    return acknowledged
