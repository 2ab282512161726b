"""What a build's dbt `run_results.json` says: time per layer, slowest nodes, bytes scanned."""

from __future__ import annotations

import json
from pathlib import Path


def layer_of(unique_id: str) -> str:
    """The project layer of a dbt node, from its unique id (models by name prefix)."""
    kind, name = unique_id.split(".")[0], unique_id.split(".")[-1]
    if kind == "model":
        return ("staging" if name.startswith("stg_") else "intermediate"
                if name.startswith("int_") else "curated" if name.startswith("dataset_")
                else "monitoring")
    if kind == "test":
        return "data tests"
    return kind.replace("_", " ") + "s"


def dbt_nodes(run_folder: Path) -> dict:
    """Per-layer sums and the slowest nodes from dbt's run_results.json."""
    results = json.loads((run_folder / "run_results.json").read_text())
    layers: dict[str, float] = {}
    counts: dict[str, int] = {}
    nodes = []
    for r in results["results"]:
        uid = r["unique_id"]
        layer = layer_of(uid)
        name = uid.split(".")[2] if layer == "data tests" else uid.split(".")[-1]
        layers[layer] = layers.get(layer, 0.0) + r["execution_time"]
        counts[layer] = counts.get(layer, 0) + 1
        nodes.append((r["execution_time"], name, layer))
    nodes.sort(reverse=True)
    return {
        "dbt_elapsed_seconds": round(results["elapsed_time"], 2),
        "nodes": len(nodes),
        "layer_nodes": counts,
        "layer_seconds": {k: round(v, 2) for k, v in sorted(layers.items(), key=lambda x: -x[1])},
        "slowest": [{"node": n, "layer": layer, "seconds": round(s, 2)}
                    for s, n, layer in nodes[:8]],
    }


def scanned_bytes(results: list[dict]) -> dict[str, int]:
    """Bytes scanned per layer on Athena (dbt-athena's `data_scanned_in_bytes` of each node's
    main statement), with the sum under "total"."""
    out: dict[str, int] = {}
    for r in results:
        n = (r.get("adapter_response") or {}).get("data_scanned_in_bytes") or 0
        layer = layer_of(r["unique_id"])
        out[layer] = out.get(layer, 0) + n
    out["total"] = sum(out.values())
    return out
