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
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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

    # --- server ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(_Handler):
            twilio = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-twilio", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def refused_url() -> str:
    """A base URL on a local port where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the listen backlog: hundreds of connections open at once


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API
    disable_nagle_algorithm = True  # headers and body in separate writes must not wait 40 ms for an ACK
    twilio: FakeTwilio

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        arrived = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:
            # The client died mid-request (kill -9): Twilio never gets a whole request to act on.
            self.close_connection = True
            return
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        match = PATH.match(urlparse(self.path).path)
        if match is None:
            self._json(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
            return
        account_sid = match["sid"]
        if not self._authorised(account_sid):
            self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return
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
        answer = self.twilio._next_answer(call.to)
        call.answer = answer.kind if answer.kind != "error" else f"error {answer.code}"
        self.twilio._record(call)
        if self.twilio.latency:
            time.sleep(self.twilio.latency)
        if answer.kind == "hang_up":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if answer.kind == "no_answer":
            time.sleep(answer.delay)
            self.close_connection = True
            return
        if answer.kind == "bare_5xx":
            body = b"<html><body>Bad gateway</body></html>"
            self.send_response(answer.status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if answer.kind == "error":
            self._json(
                answer.status,
                {
                    "code": answer.code,
                    "message": answer.message,
                    "more_info": f"https://www.twilio.com/docs/errors/{answer.code}",
                    "status": answer.status,
                },
            )
            return
        call.sid = "SM" + uuid.uuid4().hex
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        self._json(
            201,
            {
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
            },
        )

    def _authorised(self, account_sid: str) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == account_sid and (self.twilio.auth_token is None or password == self.twilio.auth_token)

    def _json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
