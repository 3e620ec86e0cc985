"""A real PostgreSQL for the tests: Debian's server binaries, a fresh cluster in a temporary folder
(initdb), started on a free loopback port (pg_ctl), with a password, stopped and removed after.
The test command installs Debian's `postgresql` package when the binaries are missing."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER, PASSWORD, DATABASE = "vitals", "s3cret-pg-password", "app"


def binaries() -> Path | None:
    """The folder of Debian's PostgreSQL server binaries (the newest version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


class Postgres:
    """A running cluster; `url` carries the password, as a user's would."""

    def __init__(self):
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found: install Debian's `postgresql` package.")
        self.dir = Path(tempfile.mkdtemp(prefix="llm-vitals-pg-"))
        self.port = _free_port()
        self.url = f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> "Postgres":
        data = self.dir / "data"
        password_file = self.dir / "password"
        password_file.write_text(PASSWORD)
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as Debian's postgres user
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(password_file, "postgres", "postgres")
        self._run("initdb", "-D", str(data), "-U", USER, "--pwfile", str(password_file), "-A", "scram-sha-256",
                  "--no-sync", "-E", "UTF8", "--locale", "C")
        self._run("pg_ctl", "-D", str(data), "-w", "-t", "60", "-l", str(self.dir / "server.log"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        self.sql(f"create database {DATABASE}", database="postgres")
        return self

    def sql(self, statement: str, *, database: str = DATABASE) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname=database,
                             autocommit=True) as con:
            con.execute(statement)

    def connect(self):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname=DATABASE)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        argv = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=self.dir)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stdout}\n{done.stderr}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
