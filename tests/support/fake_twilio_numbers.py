"""A local stand-in for Twilio's IncomingPhoneNumbers API (list by number, update webhooks).

Speaks enough of the real wire format for the ``twilio`` package's own client:
HTTP Basic auth with the account SID and auth token, JSON pages, form-encoded
updates, Twilio-style error bodies. Point ``TWILIO_API_BASE_URL`` at ``url``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LIST = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/IncomingPhoneNumbers\.json$")
ONE = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/IncomingPhoneNumbers/(?P<sid>PN\w+)\.json$")


@dataclass
class FakeTwilioNumbers:
    account_sid: str
    auth_token: str
    numbers: dict[str, dict] = field(default_factory=dict)  # PN sid -> resource
    requests: list[dict] = field(default_factory=list)
    url: str = ""

    def add_number(self, phone: str, *, sms_url: str = "", status_callback: str = "") -> str:
        sid = "PN" + f"{len(self.numbers) + 1:032x}"
        self.numbers[sid] = {
            "sid": sid,
            "account_sid": self.account_sid,
            "phone_number": phone,
            "friendly_name": phone,
            "sms_url": sms_url or None,
            "sms_method": "POST",
            "status_callback": status_callback or None,
            "status_callback_method": "POST",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers/{sid}.json",
        }
        return sid

    def by_phone(self, phone: str) -> dict:
        return next(n for n in self.numbers.values() if n["phone_number"] == phone)

    def updates(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST"]


def _handler(fake: FakeTwilioNumbers):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet test output
            pass

        def _reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: int, message: str) -> None:
            self._reply(status, {"code": code, "message": message, "more_info": "", "status": status})

        def _authorised(self, account: str) -> bool:
            expected = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}" or account != fake.account_sid:
                self._error(401, 20003, "Authenticate")
                return False
            return True

        def do_GET(self):
            parsed = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
            fake.requests.append({"method": "GET", "path": parsed.path, "query": query})
            match = LIST.match(parsed.path)
            if not match:
                return self._error(404, 20404, "The requested resource was not found")
            if not self._authorised(match["account"]):
                return
            found = [
                n
                for n in fake.numbers.values()
                if not query.get("PhoneNumber") or n["phone_number"] == query["PhoneNumber"]
            ]
            self._reply(
                200,
                {
                    "incoming_phone_numbers": found,
                    "page": 0,
                    "page_size": int(query.get("PageSize", 50)),
                    "first_page_uri": parsed.path,
                    "next_page_uri": None,
                    "previous_page_uri": None,
                    "uri": parsed.path,
                    "start": 0,
                    "end": len(found),
                },
            )

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            fake.requests.append({"method": "POST", "path": self.path, "data": form})
            match = ONE.match(self.path)
            if not match:
                return self._error(404, 20404, "The requested resource was not found")
            if not self._authorised(match["account"]):
                return
            number = fake.numbers.get(match["sid"])
            if number is None:
                return self._error(404, 20404, "The requested resource was not found")
            for key, attribute in (
                ("SmsUrl", "sms_url"),
                ("SmsMethod", "sms_method"),
                ("StatusCallback", "status_callback"),
                ("StatusCallbackMethod", "status_callback_method"),
            ):
                if key in form:
                    number[attribute] = form[key]
            self._reply(200, number)

    return Handler


class running:
    """``with running(fake):`` serves ``fake`` on a free local port until the block ends."""

    def __init__(self, fake: FakeTwilioNumbers):
        self.fake = fake
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTwilioNumbers:
        self.thread.start()
        self.fake.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.fake

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
