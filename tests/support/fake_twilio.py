"""A local fake of Twilio's Messages API, for the real Twilio backend in tests and benchmarks.

    with FakeTwilio(latency=0.2) as fake:
        settings.TWILIO_API_BASE_URL = fake.url
        fake.script("+14155550123", fake.rate_limited(), fake.accepted())
        ...
        fake.calls  # every request that arrived, with the time it arrived

It answers ``POST /2010-04-01/Accounts/<sid>/Messages.json`` the way Twilio
does: 201 with a message resource, or an error body ``{"code", "message",
"more_info", "status"}``. Each recipient number can be given a script of
answers, used one per call (the last one repeats); numbers without a script
are accepted. Answers: ``accepted()``, ``error(code, status)`` (21610
unsubscribed, 21211 invalid number…), ``rate_limited()`` (429 / 20429),
``server_error()`` (500 with an error body), ``bare_5xx()`` (502 without a
Twilio body), ``no_answer(seconds)`` (reads the request, then answers too late
for the client's timeout), ``hang_up()`` (reads the request, closes the
connection). ``refused_url()`` gives a base URL where nothing listens.

The server is one asyncio event loop on its own thread (no thread per
connection, a few hundred µs of CPU a request), so hundreds of calls can be
open at once without the fake itself becoming the bottleneck.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlparse

PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-zA-Z]+)/Messages\.json$")


@dataclass(frozen=True)
class Answer:
    kind: str  # accepted | error | bare_5xx | no_answer | hang_up
    status: int = 201
    code: int | None = None
    message: str = ""
    delay: float = 0.0


@dataclass
class Call:
    account_sid: str
    to: str
    from_: str
    body: str
    status_callback: str
    arrived: float
    answer: str = ""
    sid: str = ""
    message_id: int | None = field(default=None)


class FakeTwilio:
    def __init__(self, *, latency: float = 0.0, auth_token: str | None = None):
        self.latency = latency
        self.auth_token = auth_token
        self.calls: list[Call] = []
        self._scripts: dict[str, list[Answer]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # --- answers ---------------------------------------------------------------------

    @staticmethod
    def accepted() -> Answer:
        return Answer("accepted")

    @staticmethod
    def error(code: int, status: int = 400, message: str = "") -> Answer:
        return Answer("error", status=status, code=code, message=message or f"Twilio error {code}")

    @classmethod
    def rate_limited(cls) -> Answer:
        return cls.error(20429, 429, "Too Many Requests")

    @classmethod
    def server_error(cls) -> Answer:
        return cls.error(20500, 500, "An internal server error has occurred")

    @staticmethod
    def bare_5xx(status: int = 502) -> Answer:
        return Answer("bare_5xx", status=status)

    @staticmethod
    def no_answer(seconds: float) -> Answer:
        return Answer("no_answer", delay=seconds)

    @staticmethod
    def hang_up() -> Answer:
        return Answer("hang_up")

    def script(self, to: str, *answers: Answer) -> None:
        with self._lock:
            self._scripts[to] = list(answers)

    def _next_answer(self, to: str) -> Answer:
        with self._lock:
            script = self._scripts.get(to)
            if not script:
                return self.accepted()
            return script.pop(0) if len(script) > 1 else script[0]

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def calls_to(self, to: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.to == to]

    # --- server ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._port is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> FakeTwilio:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            server = loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024, reuse_address=True)
            )
            self._port = server.sockets[0].getsockname()[1]
            ready.set()
            try:
                loop.run_forever()
            finally:
                server.close()
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-twilio", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = self._thread = None
            self._port = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request on a keep-alive connection; False when the connection is done."""
        head = await reader.readuntil(b"\r\n\r\n")
        arrived = time.time()
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        try:
            raw = await reader.readexactly(length)
        except asyncio.IncompleteReadError:
            return False  # the client died mid-request (kill -9): Twilio never gets a whole request
        match = PATH.match(urlparse(path).path)
        if method != "POST" or match is None:
            await self._json(writer, 404, {"code": 20404, "message": "The requested resource was not found"})
            return True
        account_sid = match["sid"]
        if not self._authorised(headers.get("authorization", ""), account_sid):
            await self._json(writer, 401, {"code": 20003, "message": "Authenticate", "status": 401})
            return True
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        callback = form.get("StatusCallback", "")
        message_id = parse_qs(urlparse(callback).query).get("message", [None])[0]
        call = Call(
            account_sid=account_sid,
            to=form.get("To", ""),
            from_=form.get("From", ""),
            body=form.get("Body", ""),
            status_callback=callback,
            arrived=arrived,
            message_id=int(message_id) if message_id and message_id.isdigit() else None,
        )
        answer = self._next_answer(call.to)
        call.answer = answer.kind if answer.kind != "error" else f"error {answer.code}"
        self._record(call)
        if self.latency:
            await asyncio.sleep(self.latency)
        if answer.kind == "hang_up":
            return False
        if answer.kind == "no_answer":
            await asyncio.sleep(answer.delay)
            return False
        if answer.kind == "bare_5xx":
            await self._send(writer, answer.status, "text/html", b"<html><body>Bad gateway</body></html>")
            return True
        if answer.kind == "error":
            await self._json(
                writer,
                answer.status,
                {
                    "code": answer.code,
                    "message": answer.message,
                    "more_info": f"https://www.twilio.com/docs/errors/{answer.code}",
                    "status": answer.status,
                },
            )
            return True
        call.sid = "SM" + uuid.uuid4().hex
        await self._json(writer, 201, _message_resource(account_sid, call))
        return True

    def _authorised(self, header: str, account_sid: str) -> bool:
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == account_sid and (self.auth_token is None or password == self.auth_token)

    async def _json(self, writer: asyncio.StreamWriter, status: int, payload: dict) -> None:
        await self._send(writer, status, "application/json", json.dumps(payload).encode())

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, status: int, content_type: str, body: bytes) -> None:
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()


def _message_resource(account_sid: str, call: Call) -> dict:
    now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": call.body,
        "date_created": now,
        "date_updated": now,
        "date_sent": None,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": call.from_,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": call.sid,
        "status": "queued",
        "subresource_uris": {},
        "to": call.to,
        "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{call.sid}.json",
    }


def refused_url() -> str:
    """A base URL on a local port where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
