"""Make ``jets_fixture.npz``, the generated jets the tests read (CI has no Pythia).

Run with the extra installed (``pip install 'symfast[hep]'``)::

    python tests/data/make_jets_fixture.py [JETS_NPZ]

It keeps the first 1000 jets of JETS_NPZ (default: 1000 made here with seed 7) and two whole
events (one tt̄, one QCD): every final-state particle with its PDG id, and FastJet's
anti-k_T jets of the visible ones (p_T > 20 GeV) with each particle's jet, so that the
tests can check momentum conservation and clustering without Pythia or FastJet.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from symfast.jets import FEATURES, JetCuts, cluster, generate_shard
from symfast.jets._generate import NEUTRINOS

HERE = Path(__file__).parent
N_JETS = 1000
JET_PTMIN = 20.0


def main() -> None:
    if len(sys.argv) > 1:
        with np.load(sys.argv[1], allow_pickle=False) as z:
            jets = {k: z[k][:N_JETS] if z[k].ndim else z[k] for k in z.files}
    else:
        from symfast.jets import build_dataset
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            path = build_dataset(d, N_JETS, seed=7, progress=False)["path"]
            with np.load(path, allow_pickle=False) as z:
                jets = {k: z[k] for k in z.files}
    out = {k: jets[k] for k in ("X", "y", *FEATURES)}
    out["settings"] = jets["settings"]
    cuts = JetCuts()
    for i, process in enumerate(("top", "qcd")):
        got = generate_shard(process, 1, cuts, 4242 + i, keep_events=1)
        p, pid = got["events"][0], got["event_ids"][0]
        vis = np.flatnonzero(~np.isin(np.abs(pid), NEUTRINOS))
        label = np.full(p.shape[0], -1, dtype=np.int64)
        J = []
        for k, (jet, idx) in enumerate(cluster(p[vis], cuts.radius, ptmin=JET_PTMIN)):
            label[vis[idx]] = k
            J.append(jet)
        out[f"event_{process}"] = p
        out[f"event_{process}_pid"] = pid
        out[f"event_{process}_jets"] = np.array(J)
        out[f"event_{process}_jet_of"] = label
    out["event_settings"] = np.array(json.dumps({"cuts": cuts.to_dict(), "seeds": [4242, 4243],
                                                 "jet_ptmin": JET_PTMIN}))
    np.savez_compressed(HERE / "jets_fixture.npz", **out)
    print(f"wrote {HERE / 'jets_fixture.npz'} "
          f"({(HERE / 'jets_fixture.npz').stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
