"""End to end on a real Prefect server: `prefect server start` on loopback with its own PREFECT_HOME,
the work pool, `prefect deploy --all --prefect-file deployments/prefect.yaml` from the repository
root, two process workers, and the deployments run through them against the loopback Slack server."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
import pytest

from llm_vitals import demo
from tests.slack_server import SlackServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))
TOKEN = "xoxb-from-the-secret-block"
FINISHED = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


class Server:
    """The processes one test module starts, and how to talk to the server they share."""

    def __init__(self, home: Path, tmp: Path, slack: SlackServer):
        self.port = _free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.tmp, self.slack, self.processes = tmp, slack, []
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LLM_VITALS_", "SLACK_"))}
        self.env = clean | {"PREFECT_HOME": str(home), "PREFECT_API_URL": self.api, "DO_NOT_TRACK": "1",
                            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"}
        self.db = tmp / "vitals.duckdb"

    def start(self, logs: Path) -> "Server":
        self._spawn("server", [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)], self.env)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError(f"prefect server did not start:\n{self._output('server')}")
        self.cli("work-pool", "create", "llm-vitals", "--type", "process")
        secret = "from prefect.blocks.system import Secret; import sys; Secret(value=sys.argv[1]).save('llm-vitals-slack-token')"
        subprocess.run([sys.executable, "-c", secret, TOKEN], env=self.env, check=True, capture_output=True, timeout=120)
        self.cli("deploy", "--all", "--prefect-file", "deployments/prefect.yaml",
                 env=self.env | {"LLM_VITALS_SCHEDULE_TIMEZONE": "Europe/Berlin"})
        worker_env = self.env | {
            "PREFECT_WORKER_QUERY_SECONDS": "2", "LLM_VITALS_DB": str(self.db), "LLM_VITALS_SOURCE": str(logs),
            "LLM_VITALS_SLACK_TOKEN_SECRET_BLOCK": "llm-vitals-slack-token", "LLM_VITALS_SLACK_CHANNEL": "#llm-alerts",
            "LLM_VITALS_SLACK_BASE_URL": self.slack.base_url, "LLM_VITALS_SLACK_TIMEOUT_SECONDS": "2",
            "LLM_VITALS_DATA_DOCS_DIR": "", "LLM_VITALS_REVIEW_DIR": str(self.tmp / "reviews"),
            "LLM_VITALS_MEMORY_LIMIT": "1GB", "LLM_VITALS_THREADS": "1"}
        for name in ("worker-1", "worker-2"):
            self._spawn(name, [PREFECT, "worker", "start", "--pool", "llm-vitals", "--name", name], worker_env)
        return self

    def cli(self, *args: str, env: dict | None = None) -> str:
        done = subprocess.run([PREFECT, *args], cwd=ROOT, env=env or self.env, capture_output=True, text=True, timeout=180,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def get(self, path: str):
        return self._request("GET", path)

    def post(self, path: str, body: dict):
        return self._request("POST", path, body)

    def _request(self, method: str, path: str, body: dict | None = None):
        """One API call, retried like Prefect's own client does while the server answers 503 or 429
        (its SQLite database is briefly locked while the scheduler and two workers write to it)."""
        for attempt in range(12):
            response = httpx.request(method, f"{self.api}{path}", json=body, timeout=30)
            if response.status_code not in (429, 503):
                return response.raise_for_status().json()
            time.sleep(min(0.5 * 2**attempt, 5))
        return response.raise_for_status().json()

    def deployment(self, name: str) -> dict:
        return self.get(f"/deployments/name/{name}/{name}")  # each flow is named like its deployment

    def run(self, name: str, **parameters) -> str:
        """Creates a run of deployment `name`; returns its id."""
        deployment = self.deployment(name)
        return self.post(f"/deployments/{deployment['id']}/create_flow_run", {"parameters": parameters})["id"]

    def wait(self, run_id: str, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.get(f"/flow_runs/{run_id}")
            if run["state_type"] in FINISHED:
                if run["state_type"] != "COMPLETED":
                    raise AssertionError(f"flow run {run['name']} ended {run['state_type']}:\n{self.logs(run_id)}")
                return run
            time.sleep(1)
        raise AssertionError(f"flow run {run_id} did not finish in {timeout} s:\n{self.logs(run_id)}"
                             f"\n{self._output('worker-1')}\n{self._output('worker-2')}")

    def logs(self, run_id: str) -> str:
        rows = self.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC"})
        return "\n".join(row["message"] for row in rows)

    def stop(self) -> None:
        for _, process, _ in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process, _ in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def _spawn(self, name: str, argv: list[str], env: dict) -> None:
        out = open(self.tmp / f"{name}.log", "wb")
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        self.processes.append((name, process, out))

    def _output(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-4000:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prefect-e2e")
    logs = demo.generate(tmp, end=datetime(2026, 10, 19, tzinfo=UTC))
    slack = SlackServer().start()
    running = Server(tmp / "prefect-home", tmp, slack)
    try:
        yield running.start(logs)
    finally:
        running.stop()
        slack.stop()
    assert all(process.poll() is not None for _, process, _ in running.processes)  # nothing left running


def test_the_deployments_register_with_their_schedules_and_limits(server):
    monitor = server.deployment("monitor")
    assert [s["schedule"]["interval"] for s in monitor["schedules"]] == [900.0]
    assert monitor["global_concurrency_limit"]["limit"] == 1
    assert monitor["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
    weekly = server.deployment("weekly-digest")["schedules"][0]["schedule"]
    assert (weekly["cron"], weekly["timezone"]) == ("0 9 * * 1", "Europe/Berlin")
    monthly = server.deployment("monthly-review")["schedules"][0]["schedule"]
    assert monthly["cron"] == "0 9 1 * *"
    backfill = server.deployment("backfill")
    assert backfill["schedules"] == [] and backfill["parameter_openapi_schema"]["required"] == ["start", "end"]
    assert {d["work_pool_name"] for d in server.post("/deployments/filter", {})} == {"llm-vitals"}


def test_monitor_and_weekly_digest_run_through_the_workers(server):
    server.wait(server.run("monitor", as_of="2026-10-17T00:00:00Z"))
    con = duckdb.connect(str(server.db.with_name("vitals.read.duckdb")), read_only=True)  # the published copy
    calls, checks, alerts = con.execute(
        "select (select count(*) from requests), (select count(*) from check_results), (select count(*) from alerts)"
    ).fetchall()[0]
    con.close()
    assert calls > 20000 and checks > 0 and alerts > 0
    texts = [m["text"] for m in server.slack.messages()]
    assert any("retrieval_empty_rate" in t and "t04" in t for t in texts)

    server.wait(server.run("weekly-digest", week="2026-W42"))
    digest = [m for m in server.slack.messages() if "2026-W42" in m["text"]]
    assert digest and "Top regressions" in json.dumps(digest[0]["blocks"])
    assert any(r["path"] == "/api/files.completeUploadExternal" for r in server.slack.received)
    posts = [r for r in server.slack.received if r["path"] == "/api/chat.postMessage"]
    assert posts and all(r["headers"].get("Authorization") == f"Bearer {TOKEN}" for r in posts)


def test_two_workers_share_the_pool_and_concurrent_runs_take_turns_writing(server):
    workers = server.post("/work_pools/llm-vitals/workers/filter", {})
    assert {w["name"] for w in workers if w["status"] == "ONLINE"} == {"worker-1", "worker-2"}
    runs = [server.run("backfill", start="2026-10-10T00:00:00Z", end="2026-10-12T00:00:00Z"),
            server.run("monitor", as_of="2026-10-18T00:00:00Z"),
            server.run("monthly-review", month="2026-10")]
    finished = [server.wait(run_id) for run_id in runs]
    assert len({run["infrastructure_pid"] for run in finished}) == 3  # three processes, started by the workers
    con = duckdb.connect(str(server.db), read_only=True)
    try:
        duplicates = con.execute("select count(*) - count(distinct request_id) from requests").fetchall()[0][0]
        batches = con.execute("select count(*) from ingest_batches").fetchall()[0][0]
    finally:
        con.close()
    assert duplicates == 0 and batches >= 2
    assert list((server.tmp / "reviews").glob("*.html"))
