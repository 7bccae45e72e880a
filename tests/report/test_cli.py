"""`tideq report`, `archive`, `backup`, `restore` as a hall manager types them."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from openpyxl import load_workbook

from tideq.cli import main
from tideq.config import EXAMPLE_HALL, load
from tideq.report.simlog import simulate_to_log
from tideq.sim import scenarios, stats


def test_report_over_days_writes_every_file(tmp_path, capsys):
    loaded = load(EXAMPLE_HALL)
    sc = dataclasses.replace(scenarios.build("peak-day", loaded.hall), days=3)
    res = simulate_to_log(sc, "tideq", 2, tmp_path, rate=0.5)
    last = sc.day + timedelta(days=2)
    out = tmp_path / "out"
    args = ["--config", str(EXAMPLE_HALL), "--data-dir", str(tmp_path)]
    assert main(["report", *args, "--date", sc.day.isoformat(), "--to", last.isoformat(), "--out", str(out)]) == 0
    base = f"report-xian-hitech-{sc.day}_{last}"
    assert f"wrote {out / (base + '.html')}" in capsys.readouterr().out
    wb = load_workbook(out / f"{base}.xlsx", read_only=True)
    summary = {row[0]: row[1] for row in wb["概览 Summary"].iter_rows(values_only=True)}
    assert summary["办结 Served"] == stats.summary(res)["served"]
    days = list(wb["每日 Days"].iter_rows(values_only=True))
    assert [d[0] for d in days[1:]] == [(sc.day + timedelta(days=i)).isoformat() for i in range(3)]
    assert len(list(out.glob(f"{base}-*.png"))) == 4  # arrivals, waits, windows, ratings


def test_ratings_drawn_for_the_report_leave_the_simulated_day_unchanged(tmp_path):
    loaded = load(EXAMPLE_HALL)
    sc = scenarios.build("peak-day", loaded.hall)
    plain = simulate_to_log(sc, "tideq", 4, tmp_path / "plain")
    rated = simulate_to_log(sc, "tideq", 4, tmp_path / "rated", rate=0.5)
    assert stats.summary(plain) == stats.summary(rated)


def test_archive_backup_restore_commands(tmp_path, capsys):
    loaded = load(EXAMPLE_HALL)
    sc = scenarios.build("peak-day", loaded.hall)
    simulate_to_log(sc, "tideq", 1, tmp_path / "data")
    args = ["--config", str(EXAMPLE_HALL), "--data-dir", str(tmp_path / "data")]
    assert main(["backup", *args, "--to", str(tmp_path / "b.sqlite3")]) == 0
    assert main(["archive", *args, "--keep-days", "0"]) == 0
    assert "archived 1 days" in capsys.readouterr().out
    assert main(["restore", *args, "--from", str(tmp_path / "b.sqlite3")]) == 0
    assert "kept as" in capsys.readouterr().out


def test_a_missing_log_says_where_it_looked(tmp_path, capsys):
    args = ["--config", str(EXAMPLE_HALL), "--data-dir", str(tmp_path / "none")]
    assert main(["report", *args, "--date", "2026-11-26"]) == 1
    assert f"no event log at {tmp_path / 'none'}" in capsys.readouterr().err
