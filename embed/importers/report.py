"""What an import tells its owner: every record it left out and everything it worked around,
each with its reason and where it is in the file."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ENTRY_LIMIT = 1000  # entries kept in the report; the counts by reason are always complete


@dataclass
class Report:
    """Counts by reason, complete, and the first ENTRY_LIMIT entries:
    `{"kind": "comment"|"thread", "id", "line", "reason", "skipped": bool}`."""

    skipped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    entries: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0  # entries past ENTRY_LIMIT

    def skip(self, kind: str, source_id: str, reason: str, line: int | None) -> None:
        """One record left out."""
        self.tally(kind, reason, 1, skipped=True)
        self.entry(kind, source_id, reason, line, skipped=True)

    def note(self, kind: str, source_id: str, reason: str, line: int | None) -> None:
        """One record imported with something worked around."""
        self.tally(kind, reason, 1, skipped=False)
        self.entry(kind, source_id, reason, line, skipped=False)

    def tally(self, kind: str, reason: str, count: int, *, skipped: bool) -> None:
        (self.skipped if skipped else self.notes)[f"{kind}: {reason}"] += count

    def entry(
        self, kind: str, source_id: str, reason: str, line: int | None, *, skipped: bool
    ) -> None:
        if len(self.entries) >= ENTRY_LIMIT:
            self.dropped += 1
            return
        self.entries.append(
            {"kind": kind, "id": source_id, "line": line, "reason": reason, "skipped": skipped}
        )

    @property
    def room(self) -> int:
        return ENTRY_LIMIT - len(self.entries)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, Any]:
        entries = sorted(self.entries, key=lambda e: (e["line"] is None, e["line"] or 0))
        return {
            "skipped": dict(self.skipped.most_common()),
            "notes": dict(self.notes.most_common()),
            "entries": entries,
            "entries_left_out": self.dropped,
        }
