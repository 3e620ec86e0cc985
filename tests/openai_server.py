"""An OpenAI-compatible HTTP server on loopback, at the network boundary, for driving real client
instrumentations. POST /v1/chat/completions answers by the request's model name, `<outcome>-<n>`:
  ok-<n>       200 after `ok_delay(n)` seconds, with usage prompt_tokens 10 + n, completion_tokens
               2n + 1, and finish_reason `length` when n % 3 == 0 (else `stop`)
  limited-<n>  429 (a rate-limit error body)
  broken-<n>   500
  slow-<n>     no answer for `hang_seconds` (longer than the client's timeout)
What it did for each request is recorded in `served` (model -> dict)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def ok_delay(n: int) -> float:
    return (n % 5) * 0.01


class OpenAIServer:
    def __init__(self, hang_seconds: float = 1.0):
        self.hang_seconds = hang_seconds
        self.served: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                model = request["model"]
                outcome, n = model.rsplit("-", 1)
                n = int(n)
                record = {"outcome": outcome, "temperature": request.get("temperature")}
                with server._lock:
                    server.served[model] = record
                if outcome == "limited":
                    self._answer(429, {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}})
                elif outcome == "broken":
                    self._answer(500, {"error": {"message": "The server had an error", "type": "server_error"}})
                elif outcome == "slow":
                    time.sleep(server.hang_seconds)
                else:
                    time.sleep(ok_delay(n))
                    record.update(input=10 + n, output=2 * n + 1, finish="length" if n % 3 == 0 else "stop",
                                  response_model=f"{model}-2024-07-18")
                    self._answer(200, {
                        "id": f"chatcmpl-{n}", "object": "chat.completion", "created": 1_790_000_000,
                        "model": record["response_model"],
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": "done"},
                                     "finish_reason": record["finish"]}],
                        "usage": {"prompt_tokens": 10 + n, "completion_tokens": 2 * n + 1, "total_tokens": 11 + 3 * n},
                    })

        return Handler
