"""What a namespace's raw zone holds, export by export (`recover status`).

    committed    the commit record exists: every member landed; builds read it
    partial      raw files without a commit record: an ingest that failed or was killed; builds
                 do not read them, and ingesting the export again completes it
An export is also marked unmodelled when it landed members of data types the registry does not
know (they land in their own `dataset=` folder and are not built).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from recover.ingest.sinks import Sink
from recover.registry import Registry


@dataclass
class ExportState:
    cohort: str
    export: str  # the export's id
    state: str  # committed | partial
    members: int
    records: int = 0  # lines, from the commit record
    committed_at: str = ""
    unmodelled: list[str] = field(default_factory=list)


def inventory(sink: Sink, types: Registry) -> list[ExportState]:
    committed = {(c.cohort, c.export_id): c for c in sink.committed()}
    landed = sink.landed()
    states = []
    for key in sorted(set(committed) | set(landed)):
        commit = committed.get(key)
        if commit is not None:
            states.append(ExportState(
                key[0], key[1], "committed", len(commit.members),
                records=sum(m.lines for m in commit.members), committed_at=commit.committed_at,
                unmodelled=sorted({m.data_type for m in commit.members} - set(types.names()))))
        else:
            files = landed[key]
            data_types = {part[8:] for f in files for part in f.split("/")
                          if part.startswith("dataset=")}
            states.append(ExportState(key[0], key[1], "partial", len(files),
                                      unmodelled=sorted(data_types - set(types.names()))))
    return states
