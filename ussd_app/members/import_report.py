"""What an import returns: counts, the rejected rows with their reasons, and notes for staff."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def lines(self, name: str) -> list[str]:
        """What the CLI prints: a summary, one line per rejected row, then the notes."""
        summary = (
            f"{name}: {self.inserted} inserted, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected"
        )
        out = [summary]
        out += [f"  rejected line {r.line}: {r.reason}" for r in sorted(self.rejected, key=lambda r: r.line)]
        out += [f"  note: {note}" for note in self.notes]
        return out
