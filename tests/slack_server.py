"""A Slack-compatible HTTP server on loopback: the one stand-in, at the network boundary.

Answers auth.test, chat.postMessage, the file-upload v2 calls and incoming webhooks like Slack
does, records what it received, and can be told to misbehave: `fault` is one of None, "429"
(ratelimited with Retry-After), "500", "hang" (answers after `hang_seconds`), "slow-accept" (takes
the message, then answers after `hang_seconds`: the client times out on a message that was
posted), or a Slack error code such as "invalid_auth", "channel_not_found" or "not_in_channel";
it applies to the next `fault_times` requests (default: all). `channel_faults` maps a channel to
the Slack error every post to it gets. conversations.history returns what was posted to a
channel, with its metadata, as Slack does with include_all_metadata.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class SlackServer:
    def __init__(self):
        self.received: list[dict] = []
        self.fault: str | None = None
        self.fault_times: int | None = None
        self.hang_seconds = 3.0
        self.retry_after = 1
        self.channel_faults: dict[str, str] = {}
        self.history: dict[str, list[dict]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/services/T0/B0/secretwebhookpart"

    def messages(self) -> list[dict]:
        """The messages Slack accepted (chat.postMessage and webhooks), in order."""
        return [r["body"] for r in self.received if r["accepted"] and r["path"] in ("/api/chat.postMessage", "webhook")]

    def set_fault(self, fault: str | None, times: int | None = None) -> None:
        with self._lock:
            self.fault, self.fault_times = fault, times

    def start(self) -> "SlackServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _remember(self, body: dict) -> str:
        with self._lock:
            ts = f"{time.time():.6f}"
            metadata = body.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            self.history.setdefault(body.get("channel"), []).append(
                {"ts": ts, "text": body.get("text"), "metadata": metadata})
            return ts

    def _take_fault(self) -> str | None:
        with self._lock:
            if self.fault is None:
                return None
            if self.fault_times is not None:
                if self.fault_times <= 0:
                    return None
                self.fault_times -= 1
            return self.fault

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                upload = self.path.startswith("/upload/")  # file bytes, whatever the content type says
                body = {"bytes": len(raw)} if upload else _parse(raw, self.headers.get("Content-Type", ""))
                path = "webhook" if self.path.startswith("/services/") else self.path.split("?")[0]
                record = {"path": path, "headers": dict(self.headers), "body": body, "raw": raw, "accepted": False}
                server.received.append(record)
                fault = server._take_fault() if path != "/api/conversations.history" else None
                if path == "/api/chat.postMessage" and body.get("channel") in server.channel_faults:
                    return self._json(200, {"ok": False, "error": server.channel_faults[body.get("channel")]})
                if fault == "slow-accept" and path == "/api/chat.postMessage":
                    record["accepted"] = True
                    server._remember(body)
                    time.sleep(server.hang_seconds)
                    return self._json(200, {"ok": True, "channel": body.get("channel"), "ts": "late"})
                if fault == "hang":
                    time.sleep(server.hang_seconds)
                    return self._json(503, {"ok": False, "error": "timeout"})
                if fault == "429":
                    return self._json(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(server.retry_after)})
                if fault == "500":
                    return self._json(500, {"ok": False, "error": "internal_error"})
                if path == "webhook":
                    if fault:
                        return self._text(404 if fault == "no_service" else 403, fault)
                    record["accepted"] = True
                    return self._text(200, "ok")
                if fault:
                    return self._json(200, {"ok": False, "error": fault})
                if path.startswith("/upload/"):
                    record["accepted"] = True
                    return self._text(200, "OK")
                if path == "/api/chat.postMessage":
                    record["accepted"] = True
                    ts = server._remember(body)
                    return self._json(200, {"ok": True, "channel": body.get("channel"), "ts": ts,
                                            "message": {"text": body.get("text")}})
                if path == "/api/conversations.history":
                    oldest = float(body.get("oldest") or 0)
                    found = [m for m in server.history.get(body.get("channel"), []) if float(m["ts"]) >= oldest]
                    return self._json(200, {"ok": True, "messages": list(reversed(found)), "has_more": False})
                answers = {
                    "/api/auth.test": {"ok": True, "url": "https://example.slack.com/", "team": "T", "user_id": "U1"},
                    "/api/files.getUploadURLExternal": {"ok": True, "file_id": "F1",
                                                        "upload_url": f"http://127.0.0.1:{server.port}/upload/F1"},
                    "/api/files.completeUploadExternal": {"ok": True, "files": [{"id": "F1", "title": "chart"}]},
                }
                if path not in answers:
                    return self._json(200, {"ok": False, "error": "unknown_method"})
                record["accepted"] = True
                return self._json(200, answers[path])

            def _json(self, status, payload, headers=None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _text(self, status, text):
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _parse(raw: bytes, content_type: str) -> dict:
    if "json" in content_type:
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}
    if "x-www-form-urlencoded" in content_type:
        fields = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        for name in ("blocks", "metadata"):
            if name in fields:
                fields[name] = json.loads(fields[name])
        return fields
    return {"bytes": len(raw)}
