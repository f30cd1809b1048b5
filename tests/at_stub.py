"""A stub of Africa's Talking's SMS API on 127.0.0.1: real HTTP, answering as AT does, with
switches for the faults the sender must survive. Used by the integration tests and the SMS
benchmark; never points anywhere but the loopback.

    stub = AtStub().start()
    stub.fail_http(503, times=5)        # the next 5 requests get HTTP 503
    stub.recipient_status(403)          # AT accepts the request but refuses the number
    stub.delay = 0.5                    # slow answers (timeouts)
    stub.report_to = "http://127.0.0.1:…/sms/africastalking/delivery"   # send delivery reports
    stub.report_delay = 0               # … at once (AT with its callback configured)
    stub.report_statuses = ("Sent", "Success")   # … several per message, posted concurrently
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode
from urllib.request import Request, urlopen

STATUS_WORDS = {100: "Processed", 101: "Success", 102: "Queued", 403: "InvalidPhoneNumber",
                404: "UnsupportedNumberType", 405: "InsufficientBalance", 406: "UserInBlacklist",
                500: "InternalServerError", 501: "GatewayError", 502: "RejectedByGateway"}


@dataclass(frozen=True)
class Received:
    to: str
    message: str
    message_id: str
    at: float


class AtStub:
    def __init__(self, api_key: str = "stub-key") -> None:
        self.api_key = api_key
        self.accepted: list[Received] = []  # messages AT would have sent
        self.requests = 0
        self.delay = 0.0
        self.report_to = ""
        self.report_delay = 0.05
        self.report_statuses: tuple[str, ...] = ("Success",)
        self.reports_posted = 0
        self._http_failures: list[int] = []
        self._status_code = 101
        self._status_times = 0
        self._ids = itertools.count(1)
        self._run = uuid.uuid4().hex[:8]  # ids stay unique across stubs, as AT's are
        self._lock = threading.Lock()
        self._reports: list[threading.Thread] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body leave in two writes; without this, Nagle's algorithm and the
                # client's delayed ACK add 40 ms to every answer (a real AT front end has no such lag).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                status, payload = stub._answer(self.path, self.headers.get("apiKey"), dict(parse_qsl(body)))
                data = payload.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json" if status < 300 else "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender died while we answered: AT's side of the story goes on regardless

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    # --- switches ---
    def fail_http(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._http_failures += [status] * times

    def recipient_status(self, code: int, times: int = 10**9) -> None:
        with self._lock:
            self._status_code, self._status_times = code, times

    # --- running ---
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> AtStub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        for thread in list(self._reports):
            thread.join(5)

    def counts(self) -> Counter:
        """How many times each (recipient, text) was accepted."""
        with self._lock:
            return Counter((r.to, r.message) for r in self.accepted)

    def wait_for(self, n: int, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.accepted) >= n:
                return True
            time.sleep(0.02)
        return False

    # --- AT's behaviour ---
    def _answer(self, path: str, api_key: str | None, form: dict[str, str]) -> tuple[int, str]:
        with self._lock:
            self.requests += 1
            failure = self._http_failures.pop(0) if self._http_failures else None
        if self.delay:
            time.sleep(self.delay)
        if failure:
            return failure, "Service temporarily unavailable"
        if path != "/version1/messaging":
            return 404, "Not found"
        if api_key != self.api_key:
            return 401, "The supplied authentication is invalid"
        if not form.get("username") or not form.get("to") or "message" not in form:
            return 400, "Request is missing required form field"
        recipients = []
        for to in form["to"].split(","):
            recipients.append(self._recipient(to, form["message"]))
        accepted = sum(1 for r in recipients if r["statusCode"] in (100, 101, 102))
        return 201, json.dumps({"SMSMessageData": {
            "Message": f"Sent to {accepted}/{len(recipients)} Total Cost: USD 0.0100", "Recipients": recipients}})

    def _recipient(self, to: str, message: str) -> dict:
        with self._lock:
            code = self._status_code
            if self._status_times > 0:
                self._status_times -= 1
                if self._status_times == 0:
                    self._status_code = 101
            if code not in (100, 101, 102):
                return {"statusCode": code, "number": to, "status": STATUS_WORDS.get(code, "Failed"), "cost": "0",
                        "messageId": "None"}
            message_id = f"ATXid_{self._run}_{next(self._ids):08d}"
            self.accepted.append(Received(to, message, message_id, time.time()))
        if self.report_to:
            for status in self.report_statuses:  # each on its own thread: they may arrive together
                thread = threading.Thread(target=self._report, args=(message_id, to, status), daemon=True)
                self._reports.append(thread)
                thread.start()
        return {"statusCode": code, "number": to, "status": STATUS_WORDS[code], "cost": "USD 0.0100",
                "messageId": message_id}

    def _report(self, message_id: str, to: str, status: str) -> None:
        """AT's delivery report, after `report_delay`, retried a few times as AT does."""
        if self.report_delay:
            time.sleep(self.report_delay)
        data = urlencode({"id": message_id, "status": status, "phoneNumber": to, "networkCode": "41801",
                          "retryCount": "0"}).encode()
        for _ in range(20):
            try:
                with urlopen(Request(self.report_to, data=data), timeout=5) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        with self._lock:
                            self.reports_posted += 1
                        return
            except OSError:
                pass
            time.sleep(0.25)
