"""The command line: ``smsync sync`` / ``setup`` / ``verify`` / ``undo`` as an accountant runs them."""

from __future__ import annotations

import io
import json
import sqlite3
import tomllib
from pathlib import Path

import pytest

from smsync_core.cli.dispatch import main
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db, sha256
from tests.support.runs import rows


@pytest.fixture
def urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Sage and SMSTurbo files; the working directory is ``tmp_path`` (so ``reports/`` lands there)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMSYNC_SAGE_URL", raising=False)
    monkeypatch.delenv("SMSYNC_SMSTURBO_URL", raising=False)
    monkeypatch.delenv("SMSYNC_CONFIG", raising=False)
    sage = make_sage_db(tmp_path / "sage.db", [
        client("1001"), client("1002"), client("OLD", status=6), client("2000", phone="555-NEW", city="Elsewhere"),
    ])
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [customer("2000")])
    return sage, target


class Tty(io.StringIO):
    """A stdin that is a terminal, with the user's answer."""

    def isatty(self) -> bool:
        return True


def sync(urls: tuple[str, str], *extra: str) -> int:
    """Run ``smsync sync`` with both connections."""
    return main(["sync", "--sage", urls[0], "--smsturbo", urls[1], *extra])


def test_dry_run_shows_the_plan_and_writes_nothing(urls: tuple[str, str], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    before = sha256(tmp_path / "smsturbo.db")
    assert sync(urls, "--all-eligible", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Insert 2 new customers, update 0" in out and "CustomerName" in out and "1002" in out
    assert sha256(tmp_path / "smsturbo.db") == before and not (tmp_path / "reports").exists()
    assert sync(urls, "--select", "1001,OLD", "--dry-run", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dry_run"] is True and data["outcome"] == "dry-run" and data["inserted"] == ["1001", "OLD"]
    assert {c["field"] for c in data["changes"]} >= {"name", "Terms"}


def test_without_a_terminal_the_import_is_not_confirmed(urls: tuple[str, str], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    before = sha256(tmp_path / "smsturbo.db")
    assert sync(urls, "--all-eligible") == 1
    assert "not confirmed, so nothing was written" in capsys.readouterr().err
    assert sha256(tmp_path / "smsturbo.db") == before


def test_confirmation_yes_and_no(urls: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    assert sync(urls, "--all-eligible") == 1
    assert "Import 2 new customers and update 0 into SMSTurbo? [y/N]" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    assert sync(urls, "--all-eligible") == 0
    out = capsys.readouterr().out
    assert out.startswith("Import completed: 2 inserted, 0 updated; record in reports/")
    assert {"1001", "1002"} <= set(rows(tmp_path / "smsturbo.db"))


def test_yes_imports_and_prints_import_completed_then_rerun_is_a_no_op(
        urls: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sync(urls, "--select", "1001, OLD", "--yes") == 0
    out = capsys.readouterr().out
    run_dir = out.strip().rsplit("record in ", 1)[1]
    assert out.startswith("Import completed: 2 inserted, 0 updated") and (tmp_path / run_dir).is_dir()
    after = sha256(tmp_path / "smsturbo.db")
    assert sync(urls, "--select", "1001,OLD", "--yes", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "nothing-to-do" and data["inserted"] == []
    assert [s["customer_id"] for s in data["skipped"]] == ["1001", "OLD"]
    assert sha256(tmp_path / "smsturbo.db") == after


def test_select_file_and_reports_dir(urls: tuple[str, str], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ids.txt").write_text("customer_id\n1002\n# a comment\n\nnot-there\n")
    assert sync(urls, "--select-file", "ids.txt", "--yes", "--reports", "audit", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["inserted"] == ["1002"] and data["skipped"][0]["customer_id"] == "not-there"
    assert Path(data["record_dir"]).parent == Path("audit")


def test_setup_saves_replace_options_that_later_runs_use(urls: tuple[str, str], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "--replace", "phones"]) == 0
    assert "Replace Options saved in smsync.toml: phones" in capsys.readouterr().out
    saved = tomllib.loads((tmp_path / "smsync.toml").read_text())
    assert saved["replace"]["groups"] == ["phones"]
    assert main(["setup"]) == 0
    assert capsys.readouterr().out == "Replace Options: phones\n"
    assert sync(urls, "--select", "2000", "--all", "--yes") == 0
    assert "0 inserted, 1 updated" in capsys.readouterr().out
    row = rows(tmp_path / "smsturbo.db")["2000"]
    assert row["Phone"] == "555-NEW" and row["City"] == "Springfield"  # address was not a Replace Option
    assert main(["setup", "--replace", "none"]) == 0
    assert "none (existing customers are never changed)" in capsys.readouterr().out


def test_bad_replace_group_is_a_usage_error(urls: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert sync(urls, "--select", "2000", "--replace", "fax", "--yes") == 2
    assert "unknown Replace Options group fax" in capsys.readouterr().err


def test_conflict_exits_1_and_changes_nothing(urls: tuple[str, str], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def typed_meanwhile(question: str) -> bool:
        con = sqlite3.connect(tmp_path / "smsturbo.db")
        con.execute("INSERT INTO Customer (CustomerID, CustomerName) VALUES ('1001', 'typed meanwhile')")
        con.commit()
        con.close()
        return True

    monkeypatch.setattr("smsync_core.cli.sync.confirm", typed_meanwhile)
    assert sync(urls, "--select", "1001,1002") == 1
    captured = capsys.readouterr()
    assert "changed since the plan was made" in captured.err and "1001" in captured.out
    assert set(rows(tmp_path / "smsturbo.db")) == {"1001", "2000", "ZZDEFAULT"}


def test_verify_names_the_changed_file(urls: tuple[str, str], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert sync(urls, "--all-eligible", "--yes") == 0
    capsys.readouterr()
    assert main(["verify"]) == 0
    assert "1 record checked: every file matches its manifest, the chain is complete" in capsys.readouterr().out
    assert main(["verify", "reports", "--smsturbo", urls[1]]) == 0
    (changes,) = (tmp_path / "reports").glob("*/changes.jsonl")
    changes.write_text(changes.read_text().replace("1001", "1009", 1))
    assert main(["verify"]) == 1
    captured = capsys.readouterr()
    changed = f"{Path('reports') / changes.parent.name / 'changes.jsonl'}: SHA-256 does not match"
    assert f"Problem: {changed}" in captured.out and "MISMATCH" not in captured.out
    assert captured.out.splitlines()[-1] == "1 record checked: 1 problem found (listed above)."
    assert captured.err.startswith(f"smsync: verification failed (1 problem); the first is {changed}")


def test_undo_from_the_command_line(urls: tuple[str, str], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = rows(tmp_path / "smsturbo.db")
    assert sync(urls, "--all-eligible", "--yes", "--format", "json") == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    assert main(["undo", run_id, "--smsturbo", urls[1]]) == 1  # no terminal: not confirmed
    assert "not confirmed" in capsys.readouterr().err
    assert main(["undo", run_id, "--smsturbo", urls[1], "--yes"]) == 0
    assert capsys.readouterr().out.startswith("Undo completed: 2 removed, 0 restored")
    assert rows(tmp_path / "smsturbo.db") == before
    assert main(["undo", "nope", "--smsturbo", urls[1], "--yes"]) == 2
    assert "no committed run nope" in capsys.readouterr().err
    assert main(["verify", "--smsturbo", urls[1]]) == 0


def test_long_imports_show_progress_and_skipped_rows_are_listed(urls: tuple[str, str], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("smsync_core.cli.sync.PROGRESS_FROM", 1)
    assert sync(urls, "--select", "1001,1002,ghost", "--yes") == 0
    captured = capsys.readouterr()
    assert "Importing" in captured.err and "2/2" in captured.err
    assert "Not imported (1)" in captured.out and "ghost" in captured.out


def test_the_prompt_lists_the_selected_ids_left_out_before_asking(urls: tuple[str, str], tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    assert sync(urls, "--select", "1001,ghost,2000") == 1
    err = capsys.readouterr().err
    listed, asked = err.index("Not imported (2 of the selected IDs)"), err.index("Import 1 new customers")
    assert listed < err.index("ghost") < asked and "not in Sage 100" in err[listed:asked]
    assert listed < err.index("2000") < asked and "already in SMSTurbo" in err[listed:asked]
    assert "(2 selected IDs not imported, listed above)? [y/N]" in err
    # with --yes nothing is asked, and the list comes once, after the import
    assert sync(urls, "--select", "1001,ghost", "--yes") == 0
    captured = capsys.readouterr()
    assert "of the selected IDs" not in captured.err and "Not imported (1)" in captured.out


def test_a_long_dry_run_names_an_option_sync_accepts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    sage = make_sage_db(tmp_path / "sage.db", [client(str(1000 + i)) for i in range(40)])  # > 400 field changes
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [])
    assert sync((sage, target), "--all-eligible", "--dry-run") == 0
    (hint,) = [line for line in capsys.readouterr().out.splitlines() if "more (use" in line]
    assert hint.endswith("more (use --format json for every row)")
    assert sync((sage, target), "--all-eligible", "--dry-run", "--format", "json") == 0
    assert len(json.loads(capsys.readouterr().out)["inserted"]) == 40
