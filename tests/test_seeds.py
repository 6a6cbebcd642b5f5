"""The project's copy of the seed is byte-identical to the source and described correctly."""

from __future__ import annotations

import hashlib
import json

from conftest import ROOT


def test_seed_copies_match_their_metadata() -> None:
    metas = sorted((ROOT / "seeds").glob("*.meta.json"))
    assert metas, "every seed needs a metadata file"
    for meta_path in metas:
        meta = json.loads(meta_path.read_text())
        data = (ROOT / "seeds" / meta["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == meta["sha256"]
        assert len(data) == meta["bytes"]
        assert meta["date"] in data.decode("utf-8")


def test_every_seed_has_metadata_and_matches_shared_copy() -> None:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    assert seeds
    shared = ROOT.parent / "shared" / "seeds"
    for seed in seeds:
        assert (seed.parent / (seed.stem + ".meta.json")).exists()
        original = shared / seed.name
        # CI clones next to ../shared; a plain clone has only the hash check above.
        if original.exists():
            assert original.read_bytes() == seed.read_bytes()
