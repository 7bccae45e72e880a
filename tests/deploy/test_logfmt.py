"""JSON log lines: one object per line with the hall, device and command id; nothing personal
(ID numbers, mobile numbers, values marked personal) in the message, its arguments or a traceback."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tideq import logfmt
from tideq.config import EXAMPLE_HALL
from tideq.contract import Topics
from tideq.controller.dispatch import Dispatcher
from tideq.controller.inbox import Command

from ..conftest import THURSDAY_10

ID_NUMBER = "61010319900307123X"
PHONE = "13812345678"


@pytest.fixture
def lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    monkeypatch.setattr(logfmt, "_process", {})  # the hall/device a test sets stay in it
    out = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logfmt.setup(logging.DEBUG, "json", out)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


def records(out: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_json_object_per_line_with_context(lines: io.StringIO) -> None:
    logfmt.set_process(hall="xian-hitech", device="controller")
    log = logging.getLogger("tideq.test")
    log.info("plain")
    with logfmt.context(device="kiosk-1", command_id="c-42"):
        log.warning("ticket %s for %s", "A012", "general-consult")
    (plain, in_command) = records(lines)
    assert plain["level"] == "INFO" and plain["logger"] == "tideq.test" and plain["message"] == "plain"
    assert plain["hall"] == "xian-hitech" and plain["device"] == "controller" and "command_id" not in plain
    assert datetime.fromisoformat(plain["ts"]).tzinfo is not None  # ISO 8601 with offset
    assert in_command["message"] == "ticket A012 for general-consult"
    assert (in_command["device"], in_command["command_id"]) == ("kiosk-1", "c-42")


def test_exception_is_a_string(lines: io.StringIO) -> None:
    try:
        raise ValueError("disk full")
    except ValueError:
        logging.getLogger("tideq.test").exception("commit failed")
    (rec,) = records(lines)
    assert rec["level"] == "ERROR" and rec["message"] == "commit failed"
    assert isinstance(rec["exc"], str) and "ValueError: disk full" in rec["exc"]


def test_personal_data_is_masked(lines: io.StringIO) -> None:
    log = logging.getLogger("tideq.test")
    log.info(f"checkin of {ID_NUMBER} phone {PHONE}")  # in the message itself
    log.info("identity %s, phone %s, name %s", ID_NUMBER.lower(), PHONE, logfmt.personal("张三"))  # in its args
    log.info("visitor %s", f"{logfmt.personal('李四')}")
    try:
        raise KeyError(f"no appointment for {PHONE}")
    except KeyError:
        log.exception("lookup failed")
    log.info("ticket A012 at 20261202093000, order 123456789012345678901 kept")  # not an ID: longer run
    text = lines.getvalue()
    for secret in (ID_NUMBER, ID_NUMBER.lower(), PHONE, "张三", "李四"):
        assert secret not in text
    recs = records(lines)
    assert recs[0]["message"] == f"checkin of {logfmt.MASK_ID} phone {logfmt.MASK_PHONE}"
    assert recs[1]["message"] == f"identity {logfmt.MASK_ID}, phone {logfmt.MASK_PHONE}, name {logfmt.MASK_PERSONAL}"
    assert recs[2]["message"] == f"visitor {logfmt.MASK_PERSONAL}"
    assert logfmt.MASK_PHONE in recs[3]["exc"]
    assert recs[4]["message"] == "ticket A012 at 20261202093000, order 123456789012345678901 kept"


def test_text_format_is_masked_too() -> None:
    out = io.StringIO()
    handler = logfmt.setup(logging.INFO, "text", out)
    try:
        logging.getLogger("tideq.test").info("phone %s", PHONE)
    finally:
        logging.getLogger().removeHandler(handler)
    assert PHONE not in out.getvalue() and logfmt.MASK_PHONE in out.getvalue()


def test_journald_priority_prefix_only_on_the_journal_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "stream"
    with path.open("w") as f:
        st = path.stat()
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        assert logfmt.to_journal(f)
        line = logfmt.JsonFormatter(syslog_prefix=True).format(
            logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, None)
        )
        assert line.startswith("<3>{") and json.loads(line[3:])["message"] == "boom"
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")
    assert not logfmt.to_journal(io.StringIO())


def test_dispatch_logs_carry_the_sender_and_command_id(hall, lines: io.StringIO) -> None:
    """A handler that fails logs inside the command's context: the line names sender and id."""
    from tideq.controller.burst import Burst
    from tideq.controller.dispatch import Outcome
    from tideq.controller.engine import Engine
    from tideq.controller.handlers import Handlers
    from tideq.controller.tidal import TidalPolicy

    handlers = Handlers(hall.hall, TidalPolicy(hall.hall.tidal))

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError(f"bug while serving {PHONE}")

    handlers.run = broken  # type: ignore[method-assign]
    topics = Topics("xian-hitech")
    dispatcher = Dispatcher(topics, handlers)
    engine = Engine(hall.hall)
    payload = json.dumps({"v": 1, "id": "cmd-7", "service": "general-consult", "source": "kiosk-1"}).encode()
    outcome = dispatcher.handle(engine, Command(topics.cmd("kiosk-1", "ticket"), payload), THURSDAY_10, Burst())
    assert outcome is Outcome.FAULT
    (rec,) = [r for r in records(lines) if r["logger"] == "tideq.controller.dispatch"]
    assert (rec["device"], rec["command_id"]) == ("kiosk-1", "cmd-7")
    assert PHONE not in rec["exc"] and "RuntimeError" in rec["exc"]


def test_controller_process_logs_json_lines(broker, tmp_path: Path) -> None:
    """`tideq --log-format json`: every stderr line of the real controller is a JSON object."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tideq.cli",
            "--log-format",
            "json",
            "controller",
            "--config",
            str(EXAMPLE_HALL),
            "--broker",
            broker.url,
            "--data-dir",
            str(tmp_path / "d"),
        ],
        env={**os.environ, "TIDEQ_HALL_SECRET": "x"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout and "tideq controller ready" in proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    recs = [json.loads(line) for line in err.splitlines()]
    assert recs, "the controller logged nothing"
    assert all({"ts", "level", "logger", "message"} <= r.keys() for r in recs)
    started = next(r for r in recs if r["message"].startswith("controller for xian-hitech"))
    assert (started["hall"], started["device"]) == ("xian-hitech", "controller")


@pytest.mark.parametrize(
    "argv,device",
    [
        (["kiosk", "--config", "h.toml", "--id", "kiosk-1"], "kiosk-1"),
        (["display", "--config", "h.toml", "--board", "main"], "board-main"),
        (["display", "--config", "h.toml", "--window", "5"], "window-screen-5"),
        (["counter", "--config", "h.toml", "--window", "5"], "window-5"),
        (["counter", "--config", "h.toml", "--window", "5", "--evaluator"], "evaluator-5"),
        (["ledstrips", "--config", "h.toml", "--bus", "led-1"], "ledstrip-led-1"),
        (["controller", "--config", "h.toml"], "controller"),
    ],
)
def test_each_process_names_its_device_like_its_login(argv: list[str], device: str) -> None:
    from tideq.cli import build_parser, device_of

    assert device_of(build_parser(argv[0]).parse_args(argv)) == device


def test_the_default_handler_writes_to_the_stderr_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An in-process `tideq ...` run under pytest set the handler up on pytest's capture of
    stderr; after that capture was closed every later log line was a "Logging error … I/O
    operation on closed file" traceback. The handler follows sys.stderr instead."""
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    handler = logfmt.setup(logging.INFO, "text")
    try:
        logging.getLogger("tideq.test").warning("into the first")
        monkeypatch.setattr(sys, "stderr", second)
        first.close()
        logging.getLogger("tideq.test").warning("into the second")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "into the second" in second.getvalue() and "Logging error" not in second.getvalue()
