"""Sync through a folder: libraries on one machine standing in for several, one folder between them."""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import zlib
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import Library, title_key
from store.sync import MAGIC, _encode_file, _records_blob
from tests.conftest import TODAY, FixedClock
from tui.cli import main

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_BIB = """@article{berg2021,
  title = {Sparse Kernels for Linear Attention},
  author = {Berg, Ana and Fry, Jon},
  journal = {Journal of Fast Models},
  year = {2021},
  doi = {10.1000/jfm.2021.7},
}
"""


class Machine:
    """A library standing in for one machine, with its own clock and name."""

    def __init__(self, path: Path, name: str, folder: Path, clock: FixedClock | None = None) -> None:
        self.clock = clock or FixedClock()
        self.library = Library.open(path, clock=self.clock)
        self.name, self.folder = name, folder

    def sync(self, folder: Path | None = None) -> Any:
        self.clock.advance(1)
        return self.library.sync(folder or self.folder, name=self.name)

    def id_of(self, title: str) -> int:
        """The paper with this title (the ids of one paper differ between machines)."""
        (found,) = [p.id for p in self.library.store.get_many(self.library.select("")) if p.title == title]
        return found

    def title(self, paper_id: int) -> str:
        return self.library.paper(paper_id).title

    def state(self) -> dict[str, tuple[Any, ...]]:
        """What the user made of each paper, by title: what every machine must agree on."""
        papers = self.library.store.get_many(self.library.select(""))
        return {
            title_key(p.title): (p.status.value, tuple(sorted(p.tags)), p.note, p.priority, p.code_url, p.title)
            for p in papers
        } | {f"trash:{title_key(t.title)}": ("trashed",) for t in self.library.trashed()}


@pytest.fixture
def machines(tmp_path: Path) -> Iterator[list[Machine]]:
    folder = tmp_path / "Sync"
    made = [Machine(tmp_path / f"{n}.db", n, folder) for n in ("laptop", "desk", "cluster")]
    made[0].library.load_demo(today=TODAY)
    yield made
    for machine in made:
        machine.library.close()


def _converge(machines: list[Machine]) -> None:
    """Rounds on every machine until one brings nothing new anywhere (a merge made in a round is
    itself a change the others take in on the next)."""
    for _ in range(6):
        reports = [machine.sync() for machine in machines]
        if not any(r.sent or r.received or r.added for r in reports):
            return
    raise AssertionError("the machines did not settle in six rounds")


def test_a_first_round_counts_each_paper_it_shares_as_a_change_sent(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    assert laptop.sync().sent == 40  # the demo, with nothing done to it yet: its papers are what goes out
    assert laptop.sync().sent == 0
    came = desk.sync()
    assert (came.added, came.sent) == (40, 0)  # papers that came in are not sent back


def test_whose_profile_each_file_is_survives_a_round_and_reaches_the_other_machine(machines: list[Machine]) -> None:
    """A round imports the folder's papers under their files' names; it must not blank the owner and the
    profile's figures of a file this library imported itself, and the other machine learns the owner."""
    laptop, desk, cluster = machines
    cluster.library.load_demo(today=TODAY)  # the same dumps imported on a second machine before any round
    imported = {s.name: (s.owner, s.profile) for s in laptop.library.store.sources()}
    assert all(owner for owner, _ in imported.values()) and any(p.h_index for _, p in imported.values())
    _converge(machines)
    for machine in (laptop, cluster):
        assert {s.name: (s.owner, s.profile) for s in machine.library.store.sources()} == imported
    assert {s.name: s.owner for s in desk.library.store.sources()} == {n: o for n, (o, _) in imported.items()}


def test_papers_and_everything_the_user_did_reach_the_other_machine(machines: list[Machine], tmp_path: Path) -> None:
    laptop, desk, _ = machines
    bib = tmp_path / "mine.bib"
    bib.write_text(_BIB, encoding="utf-8")
    laptop.library.import_file(bib, today=TODAY)
    paper = laptop.id_of("Sparse Kernels for Linear Attention")
    laptop.library.set_status([paper], "read")
    laptop.library.tag([paper], "kernels")
    laptop.library.set_priority([paper], to=2)
    laptop.library.set_code_url(paper, "https://example.org/sparse")
    laptop.library.edit(paper, {"title": "Sparse Kernels for Linear Attention, Revisited"})
    laptop.library.set_key(paper, "berg2021sparse")
    laptop.library.set_note(paper, "read the proofs twice")

    first = laptop.sync()
    assert first.sent > 0 and not first.conflicts and not first.skipped
    report = desk.sync()
    assert report.added == laptop.library.search("").total == desk.library.search("").total == 41
    there = desk.library.paper(desk.id_of("Sparse Kernels for Linear Attention, Revisited"))
    assert (there.status.value, there.tags, there.priority) == ("read", ("kernels",), 2)
    assert (there.code_url, there.note, there.cite_key) == (
        "https://example.org/sparse",
        "read the proofs twice",
        "berg2021sparse",
    )
    assert there.title == "Sparse Kernels for Linear Attention, Revisited" and there.edited == ("title",)
    assert "Journal of Fast Models" in there.original  # the source entry came along
    assert desk.library.select("is:read") == [there.id]  # and the index knows

    desk.library.set_status([there.id], "reading")
    desk.library.untag([there.id], "kernels")
    desk.sync()
    laptop.sync()
    back = laptop.library.paper(paper)
    assert (back.status.value, back.tags) == ("reading", ())
    assert laptop.state() == desk.state()


def test_offline_edits_on_three_machines_converge_in_every_order(machines: list[Machine]) -> None:
    _converge(machines)
    for order in itertools.permutations(range(3)):
        for step, index in enumerate(order):
            machine = machines[index]
            ids = machine.library.select("")
            target = ids[(step * 7 + index) % len(ids)]
            machine.library.set_status([target], ("reading", "read", "queued")[index])
            machine.library.tag([ids[(index * 5) % len(ids)]], f"from-{machine.name}-{step}")
            machine.library.set_priority([ids[index]], by=1)
        for index in order:
            machines[index].sync()
    _converge(machines)
    states = [m.state() for m in machines]
    assert states[0] == states[1] == states[2]
    for machine in machines:  # the index answers as a fresh rebuild does
        library = machine.library
        before = {q: sorted(library.select(q)) for q in ("is:read", "is:reading", "tag:from-desk-0", "linear")}
        library.rebuild_index()
        assert before == {q: sorted(library.select(q)) for q in before}


def test_a_note_edited_on_two_machines_keeps_both_versions_and_merges(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    paper = laptop.library.select("")[0]
    laptop.library.set_note(paper, "Main claim: attention is linear.")
    _converge([laptop, desk])
    there = desk.id_of(laptop.title(paper))
    laptop.library.set_note(paper, "Main claim: attention is linear. Check lemma 2.")
    desk.library.set_note(there, "Main claim (weak): attention is linear.")
    desk.sync()
    report = laptop.sync()
    merged = "Main claim (weak): attention is linear. Check lemma 2."
    assert laptop.library.paper(paper).note == merged
    assert report.conflicts and "desk" in report.conflicts[0]
    history = laptop.library.note_history(paper)
    assert {"Main claim: attention is linear. Check lemma 2.", "Main claim (weak): attention is linear."} <= {
        v.text for v in history
    }
    assert any(v.origin == "desk" for v in history)
    desk.sync()
    assert desk.library.paper(there).note == merged


def test_two_first_notes_written_offline_are_both_kept(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    _converge([laptop, desk])
    paper = laptop.library.select("")[0]
    there = desk.id_of(laptop.title(paper))
    laptop.library.set_note(paper, "laptop thought")
    desk.library.set_note(there, "desk thought")
    _converge([laptop, desk])
    for text in (laptop.library.paper(paper).note, desk.library.paper(there).note):
        assert "laptop thought" in text and "desk thought" in text
    assert laptop.state() == desk.state()


def test_a_paper_imported_on_both_machines_before_they_met_is_one_paper(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    desk.library.load_demo(today=TODAY)
    paper = laptop.library.select("")[3]
    title = laptop.library.paper(paper).title
    laptop.library.set_status([paper], "read")
    desk.library.tag([desk.id_of(title)], "shared")
    desk.library.set_note(desk.id_of(title), "from the desk")
    laptop.library.set_note(paper, "from the laptop")
    _converge([laptop, desk])
    assert laptop.library.search("").total == desk.library.search("").total == 40
    for machine in (laptop, desk):
        mine = machine.library.paper(machine.id_of(title))
        assert (mine.status.value, mine.tags) == ("read", ("shared",))
        assert "from the desk" in mine.note and "from the laptop" in mine.note
    assert laptop.state() == desk.state()


def test_a_deletion_is_a_tombstone_an_older_edit_cannot_undo(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    _converge([laptop, desk])
    paper = laptop.library.select("")[0]
    title = laptop.library.paper(paper).title
    desk.library.set_status([desk.id_of(title)], "read")
    desk.sync()
    laptop.library.delete([paper])
    _converge([laptop, desk])
    assert [t.title for t in laptop.library.trashed()] == [t.title for t in desk.library.trashed()] == [title]
    assert laptop.state() == desk.state()
    (trashed,) = desk.library.trashed()
    desk.library.restore([trashed.id])
    _converge([laptop, desk])
    assert laptop.library.paper(paper).status.value == "read" and not laptop.library.trashed()


def test_a_restore_brings_back_what_the_shelf_holds_and_keeps_what_came_after(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    _converge([laptop, desk])
    title = laptop.title(laptop.library.select("")[2])
    desk.library.set_status([desk.id_of(title)], "queued")  # changed and then deleted, before any round
    desk.library.delete([desk.id_of(title)])
    _converge([laptop, desk])
    (trashed,) = laptop.library.trashed()
    laptop.library.restore([trashed.id])
    _converge([laptop, desk])
    assert laptop.library.paper(trashed.id).status.value == "queued"
    assert laptop.state() == desk.state()
    laptop.library.delete([trashed.id])
    laptop.sync()
    laptop.library.restore([trashed.id])
    laptop.library.set_note(trashed.id, "typed after the restore")
    _converge([laptop, desk])
    assert desk.library.paper(desk.id_of(title)).note == "typed after the restore"
    assert laptop.state() == desk.state()


def test_a_value_this_library_refuses_leaves_the_papers_other_changes_applied(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    _converge([laptop, desk])
    first, second = (laptop.title(i) for i in laptop.library.select("")[:2])
    desk.library.set_key(desk.id_of(second), "taken2024")  # desk gives the key to another paper, offline
    paper = laptop.id_of(first)
    laptop.library.set_key(paper, "taken2024")
    laptop.library.set_status([paper], "read")
    laptop.sync()
    report = desk.sync()
    there = desk.library.paper(desk.id_of(first))
    assert there.status.value == "read"
    assert there.cite_key != "taken2024"
    assert any("its citation key from another machine" in line and "taken" in line for line in report.skipped)


def test_a_skewed_clock_cannot_undo_a_change_made_after_seeing_its_own(machines: list[Machine], tmp_path: Path) -> None:
    laptop, desk, _ = machines
    laptop.clock.advance(5 * 3600)  # the laptop's clock is five hours fast
    _converge([laptop, desk])
    paper = laptop.library.select("")[0]
    title = laptop.library.paper(paper).title
    laptop.library.set_status([paper], "read")
    laptop.sync()
    desk.sync()  # the desk has seen the laptop's change...
    desk.library.set_status([desk.id_of(title)], "reading")  # ...and changes it, by its clock five hours "earlier"
    desk.sync()
    laptop.sync()
    assert laptop.library.paper(paper).status.value == "reading"
    assert laptop.state() == desk.state()


def _mirror(source: Path, target: Path, rng: random.Random, *, upto: float = 1.0, cut_last: bool = False) -> None:
    """Copy a folder as a syncing program does: file by file in any order, maybe stopping halfway."""
    files = sorted(p for p in source.rglob("*") if p.is_file())
    rng.shuffle(files)
    files = files[: int(len(files) * upto)]
    for number, path in enumerate(files):
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        out.write_bytes(data[: len(data) // 2] if cut_last and number == len(files) - 1 else data)


def test_a_folder_copied_in_random_order_and_interrupted_merges_once_whole(
    machines: list[Machine], tmp_path: Path
) -> None:
    laptop, desk, _ = machines
    rng = random.Random(7)
    ids = laptop.library.select("")
    for step in range(6):  # six rounds: six files of the laptop's
        laptop.library.set_status([ids[step]], "read")
        laptop.library.tag([ids[step + 10]], f"t{step}")
        laptop.sync()
    there = tmp_path / "desk-copy"
    _mirror(laptop.folder, there, rng, upto=0.6, cut_last=True)
    report = desk.sync(there)  # nothing half-applied, nothing refused for good
    assert all("being copied" in line or "incomplete" in line for line in report.skipped), report.skipped
    _mirror(laptop.folder, there, rng)
    report = desk.sync(there)
    assert not report.skipped
    assert laptop.state() == desk.state()


def test_duplicates_a_syncing_program_made_are_harmless(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    laptop.library.set_status([laptop.library.select("")[0]], "read")
    laptop.sync()
    own = laptop.folder / laptop.library.sync_machine()
    (first,) = sorted(own.glob("*.update"))
    shutil.copy(first, own / f"{first.stem} (desk's conflicted copy 2026-12-06).update")
    shutil.copy(first, own / f"{first.stem}.sync-conflict-20261206-101010-ABCDEFG.update")
    (own / "machine.sync-conflict-20261206-101010-ABCDEFG.json").write_text("{", encoding="utf-8")
    report = desk.sync()
    assert not report.skipped and not report.conflicts
    assert laptop.state() == desk.state()
    (own / f"{first.stem}.sync-conflict-20261206-101010-ABCDEFG.update").write_bytes(b"garbled")
    assert not desk.sync().skipped  # read with its file once, never again


def test_hostile_files_are_reported_and_change_nothing(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    laptop.library.set_status([laptop.library.select("")[0]], "read")
    _converge([laptop, desk])
    before = desk.state()
    stranger = laptop.folder / ("ab" * 16)
    stranger.mkdir()
    (stranger / "0000000001.update").write_bytes(b"\x1b[2J\x1b]0;pwned\x07" * 100)
    (stranger / "0000000002.update").write_bytes(_encode_file("cd" * 16, 2, b"\x00\x01", b"", snapshot=False))
    (stranger / "0000000003.update").write_bytes(MAGIC + b'{"machine": "' + b"ab" * 16 + b'", "seq": 3, "size": 4,'
                                                 b' "sha256": "00"}\n\x00\x00\x00\x00')  # fmt: skip
    with open(stranger / "0000000004.update", "wb") as huge:  # sparse: costs no disk
        huge.truncate(600 * 1024 * 1024)
    (stranger / "machine.json").write_text(json.dumps({"name": "\x1b[31mevil", "seen_at": "x" * 1000}))
    os.mkfifo(stranger / "0000000005.update")  # a pipe would block a read for ever
    (stranger / "0000000006.update").symlink_to("/dev/zero")
    (laptop.folder / "not-a-machine").mkdir()
    piped = laptop.folder / ("cd" * 16)
    piped.mkdir()
    os.mkfifo(piped / "machine.json")
    report = desk.sync()
    assert desk.state() == before
    text = "\n".join(report.skipped)
    assert "not a papershelf sync file" in text
    assert "claims to be file" in text
    assert "damaged" in text
    assert "larger than any sync file" in text
    assert text.count("not a regular file (a device, pipe or socket)") == 2
    assert "not-a-machine: not a papershelf machine folder" in text
    (peer,) = [p for p in desk.library.sync_peers(desk.folder) if p.machine == "ab" * 16]
    assert "\x1b" not in peer.name and peer.seen_at is None


def test_papers_from_the_folder_are_checked_like_an_imported_file(
    machines: list[Machine], monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, desk, _ = machines
    _converge([laptop, desk])
    before = desk.state()
    machine = "ef" * 16
    folder = laptop.folder / machine
    folder.mkdir()
    good = {"title": "A \x1b]52;c;cHduZWQ=\x07 Title Kept as Text", "authors": ["Ann Lee"], "date": "2024-01-01"}
    records = [("0" * 32, good), ("1" * 32, {"authors": ["no title"]}), ("not-an-id", good), ("2" * 32, ["x"])]
    (folder / "0000000001.update").write_bytes(_encode_file(machine, 1, b"\x00\x00", _records_blob(records),
                                                            snapshot=False))  # fmt: skip
    (folder / "0000000002.update").write_bytes(_encode_file(machine, 2, b"\x00\x00", b"not zlib", snapshot=False))
    bomb = zlib.compress(b"\n" * 5_000_000)
    monkeypatch.setattr("store.sync.MAX_RECORDS_BYTES", 1_000_000)
    (folder / "0000000003.update").write_bytes(_encode_file(machine, 3, b"\x00\x00", bomb, snapshot=False))
    report = desk.sync()
    text = "\n".join(report.skipped)
    assert report.added == 1 and "has no title" in text and "not one papershelf makes" in text
    assert "a paper record is not an object" in text
    assert "do not decompress" in text and "take more than 1,000,000 bytes" in text
    added = set(desk.state()) - set(before)
    assert len(added) == 1  # the one good paper, its title stored as the text it is
    (paper_id,) = desk.library.select("kept")
    assert "\x1b]52" in desk.library.paper(paper_id).title


def test_values_this_library_refuses_are_skipped_not_applied(machines: list[Machine]) -> None:
    laptop, desk, _ = machines
    laptop.library.set_status([laptop.library.select("")[0]], "read")
    _converge([laptop, desk])
    from pycrdt import Doc, Map

    machine = "ef" * 16
    doc: Doc[Any] = Doc()
    (rows,) = [desk.library.store._read("SELECT data FROM sync_doc ORDER BY id")]
    for (data,) in rows:
        doc.apply_update(data)
    before = doc.get_state()
    regs = doc.get("regs", type=Map)
    uid = next(iter(regs.keys())).split("\t")[0]
    soon = int(desk.clock.now.timestamp() * 1000) + 3_600_000  # newer than anything, by an hour
    regs[f"{uid}\tstatus\t{machine}"] = json.dumps([soon, 0, machine, "pwned"])
    regs[f"{uid}\tpriority\t{machine}"] = json.dumps([soon, 0, machine, 99])
    regs[f"{uid}\tstatus\t{'0' * 32}"] = json.dumps([soon, 0, machine, "unread"])  # claims another machine
    regs[f"{uid}\ttag:x\t{machine}"] = json.dumps([soon, 0, machine, "yes"])
    regs[f"{uid}\tcode\t{machine}"] = json.dumps([soon + 10**12, 0, machine, "https://evil.example/"])  # decades ahead
    folder = laptop.folder / machine
    folder.mkdir()
    (folder / "0000000001.update").write_bytes(_encode_file(machine, 1, doc.get_update(before), b"", snapshot=False))
    state = desk.state()
    report = desk.sync()
    assert desk.state() == state
    # refused before they reach the library (which would refuse most of them too), the far-future one said
    assert report.skipped == [
        f"changes from machine {machine[:8]} are stamped more than 30 days ahead of this machine's clock; not "
        "applied (is a clock wrong?)"
    ]


def test_a_copied_library_takes_a_new_machine_id(machines: list[Machine], tmp_path: Path) -> None:
    laptop, desk, _ = machines
    laptop.sync()
    laptop.library.close()
    shutil.copy(tmp_path / "laptop.db", tmp_path / "twin.db")
    laptop.library = Library.open(tmp_path / "laptop.db", clock=laptop.clock)
    twin = Machine(tmp_path / "twin.db", "twin", laptop.folder)
    twin.library.set_status([twin.library.select("")[0]], "read")
    twin.sync()
    laptop.library.set_status([laptop.library.select("")[1]], "reading")
    report = laptop.sync()
    assert any("another copy of this library" in line for line in report.skipped)
    assert laptop.library.sync_machine() != twin.library.sync_machine()
    _converge([laptop, twin, desk])
    assert laptop.state() == twin.state() == desk.state()
    twin.library.close()


def test_many_rounds_compact_into_a_snapshot_that_a_newcomer_and_a_month_offline_read(
    machines: list[Machine],
) -> None:
    laptop, desk, cluster = machines
    _converge([laptop, desk])
    ids = laptop.library.select("")
    title = desk.title(desk.library.select("")[5])
    desk.library.set_note(desk.id_of(title), "written offline, a month ago")  # then the desk is away
    for step in range(70):
        laptop.library.set_priority([ids[step % len(ids)]], by=1 if step % 2 else -1)
        for machine in machines:  # a month passes, for everyone
            machine.clock.advance(12 * 3600)
        laptop.sync()
    files = sorted((laptop.folder / laptop.library.sync_machine()).glob("*.update"))
    assert len(files) < 10  # one snapshot and what came after it
    cluster.sync()  # a newcomer: everything from the snapshot
    desk.sync()  # back after a month: its files read, the laptop's snapshot read
    _converge(machines)
    assert laptop.state() == desk.state() == cluster.state()
    assert laptop.library.paper(laptop.id_of(title)).note == "written offline, a month ago"


_OPS = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from(["status", "tag", "untag", "note", "append", "priority", "delete", "restore", "sync"]),
        st.integers(0, 5),
        st.sampled_from(["unread", "queued", "reading", "read"]),
    ),
    max_size=25,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
def test_any_sequence_of_edits_converges_and_loses_no_typed_note(
    tmp_path_factory: pytest.TempPathFactory, ops: list[Any]
) -> None:
    root = tmp_path_factory.mktemp("prop")
    folder = root / "Sync"
    made = [Machine(root / f"{n}.db", n, folder) for n in ("a", "b", "c")]
    try:
        made[0].library.load_demo(today=TODAY)
        _converge(made)
        titles = sorted(made[0].title(i) for i in made[0].library.select("")[:6])
        typed: set[str] = set()
        for number, (who, op, which, status) in enumerate(ops):
            machine = made[who]
            trashed = {t.title: t.id for t in machine.library.trashed()}
            if titles[which] in trashed:
                if op == "restore":
                    machine.library.restore([trashed[titles[which]]])
                elif op == "sync":
                    machine.sync()
                continue
            paper = machine.id_of(titles[which])
            if op == "restore":
                continue
            if op == "delete":
                machine.library.delete([paper])
            elif op == "status":
                machine.library.set_status([paper], status)
            elif op == "tag":
                machine.library.tag([paper], status)
            elif op == "untag":
                machine.library.untag([paper], status)
            elif op == "note":
                text = f"note {number} by {machine.name}"
                machine.library.set_note(paper, text)
                typed.add(text)
            elif op == "append":
                old = machine.library.paper(paper).note
                machine.library.set_note(paper, f"{old} +{number}")
                typed.add(f"{old} +{number}")
            elif op == "priority":
                machine.library.set_priority([paper], by=1)
            else:
                machine.sync()
        _converge(made)
        assert made[0].state() == made[1].state() == made[2].state()
        if trashed := [t.id for t in made[0].library.trashed()]:  # back from the trash, history and all
            made[0].library.restore(trashed)
            _converge(made)
            assert made[0].state() == made[1].state() == made[2].state()
        kept = {v.text for m in made for i in m.library.select("") for v in m.library.note_history(i)}
        assert typed <= kept
    finally:
        for machine in made:
            machine.library.close()


def test_cli_sync_remembers_its_folder_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "library.db"
    assert main(["--db", str(db), "import", "--year", "2026", str(_demo_file(tmp_path))]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "sync"]) == 2
    assert "no folder yet" in capsys.readouterr().err
    folder = tmp_path / "Sync"
    assert main(["--db", str(db), "sync", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "is now the sync folder" in captured.err and captured.out.startswith(f"synced with {folder}")
    assert main(["--db", str(db), "sync", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"folder", "machine", "sent", "received", "added", "conflicts",
                                                        "skipped"}  # fmt: skip
    other = tmp_path / "other.db"
    assert main(["--db", str(other), "sync", "--status"]) == 1  # a status makes no library
    assert not other.exists()
    assert main(["--db", str(other), "sync", "--json"]) == 0  # a round does: a new machine starts so
    assert json.loads(capsys.readouterr().out)["added"] == 20
    assert main(["--db", str(other), "mark", "1", "read"]) == 0
    assert main(["--db", str(other), "sync"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "sync", "--status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert set(status) == {"folder", "machine", "pending", "peers"}
    assert [set(p) for p in status["peers"]] == [{"machine", "name", "last_seen", "unread_files"}]
    assert status["peers"][0]["unread_files"] == 1
    (tmp_path / "a-file").write_text("x")
    assert main(["--db", str(db), "sync", str(tmp_path / "a-file")]) == 2
    assert "cannot use it as the sync folder" in capsys.readouterr().err


def _demo_file(tmp_path: Path) -> Path:
    from store.demo import demo_files

    name, data = demo_files()[0]
    (tmp_path / name).write_bytes(data)
    return tmp_path / name


def test_cli_sync_exits_1_when_a_note_conflict_was_merged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, one, two = tmp_path / "Sync", tmp_path / "one.db", tmp_path / "two.db"
    main(["--db", str(one), "import", "--year", "2026", str(_demo_file(tmp_path))])
    assert main(["--db", str(one), "sync", str(folder)]) == 0
    assert main(["--db", str(two), "--create", "sync", str(folder)]) == 0
    main(["--db", str(one), "note", "1", "--set", "alpha beta"])
    assert main(["--db", str(one), "sync"]) == 0
    assert main(["--db", str(two), "sync"]) == 0
    capsys.readouterr()
    assert main(["--db", str(two), "search", "alpha", "--json"]) == 0
    (there,) = [r["id"] for r in json.loads(capsys.readouterr().out)]
    main(["--db", str(one), "note", "1", "--set", "alpha beta gamma"])
    main(["--db", str(two), "note", str(there), "--set", "zeta alpha beta"])
    assert main(["--db", str(one), "sync"]) == 0
    capsys.readouterr()
    assert main(["--db", str(two), "sync"]) == 1
    assert f"conflict: paper {there}" in capsys.readouterr().out
    assert main(["--db", str(two), "note", str(there), "--history"]) == 0
    assert "kept from" in capsys.readouterr().out
