"""Reading a run report (recover/build/report.py) back: its tables by their ids."""

from __future__ import annotations

from tests.support.html_tree import Element


def counts_table(doc: Element) -> dict[str, dict[str, str]]:
    table = doc.find("table", id="counts")
    assert table is not None
    keys = [th.attrs["data-col"] for th in table.iter("th") if "data-col" in th.attrs]
    out = {}
    for tr in table.iter("tr"):
        if "data-type" in tr.attrs:
            cells = [td for td in tr.iter("td") if "data-col" in td.attrs]
            out[tr.attrs["data-type"]] = {td.attrs["data-col"]: td.text for td in cells}
            assert list(out[tr.attrs["data-type"]]) == keys
    return out


def number(text: str) -> int | None:
    return int(text.replace(",", "")) if text else None
