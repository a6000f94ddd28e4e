"""Collider events from Pythia 8, and the jets in them, one shard at a time.

Two processes at a proton-proton centre-of-mass energy of 14 TeV, each with a window on
the hard process's transverse momentum p̂_T:

``top``
    tt̄ with both W bosons decaying to quarks (fully hadronic), from gg and qq̄;
``qcd``
    every 2 -> 2 QCD process (Pythia's ``HardQCD:all``), the background of top tagging.

Every visible final-state particle (neutrinos left out) is clustered with anti-k_T at
R = 0.8 by FastJet.  An event gives at most one jet: the leading jet with p_T in the
window and abs(η) below the cut; for ``top`` it must also contain the top quark and its
three decay quarks within ΔR < R of its axis (the jet holds the whole decay, as in the
public top-tagging sets).  One jet per event keeps the jets independent: the two leading
jets of a dijet event are back to back and share its p̂_T.

Both packages are the optional extra ``symfast[hep]`` (``pythia8mc``, ``fastjet``); each is
imported only when events are made, with an error that names the extra.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from symfast._validation import check_float, check_int

#: The processes a shard can generate.
PROCESSES = ("top", "qcd")
#: Pythia's largest seed (``Random:seed``).
MAX_PYTHIA_SEED = 900_000_000
#: PDG codes that leave no trace in a detector.
NEUTRINOS = (12, 14, 16)


#: The packages of the optional extra ``symfast[hep]``.
HEP_MODULES = ("pythia8mc", "fastjet")


def hep_versions() -> dict[str, str | None]:
    """The installed version of each package of the extra (None where it is missing)."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for name in HEP_MODULES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def require(module: str) -> Any:
    """Import ``pythia8mc`` or ``fastjet``, or say which extra brings it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{module} is needed to generate collider events: install the "
                          f"extra with  pip install 'symfast[hep]'  (pythia8mc, fastjet)"
                          ) from exc


@dataclass(frozen=True)
class JetCuts:
    """What makes an event's jet: the generation window and the jet selection.

    Attributes
    ----------
    ecm : float
        Proton-proton centre-of-mass energy in GeV.
    pt_hat_min, pt_hat_max : float
        Window on the hard process's p̂_T (GeV); it only makes generation efficient and
        sits below and above the jet window.
    pt_min, pt_max : float
        Window on the jet's p_T (GeV).
    eta_max : float
        Largest abs(η) of the jet axis.
    radius : float
        Anti-k_T radius R; also the top-matching radius.
    n_constituents : int
        Leading constituents (by p_T) whose four-momenta are kept; fewer are zero-padded.
    """

    ecm: float = 14000.0
    pt_hat_min: float = 500.0
    pt_hat_max: float = 750.0
    pt_min: float = 550.0
    pt_max: float = 650.0
    eta_max: float = 2.0
    radius: float = 0.8
    n_constituents: int = 4

    def validate(self) -> None:
        check_float(self.ecm, "ecm", positive=True)
        check_float(self.pt_hat_min, "pt_hat_min", minimum=0.0)
        check_float(self.pt_hat_max, "pt_hat_max", positive=True)
        check_float(self.pt_min, "pt_min", minimum=0.0)
        check_float(self.pt_max, "pt_max", positive=True)
        if self.pt_hat_max <= self.pt_hat_min:
            raise ValueError(f"pt_hat_max ({self.pt_hat_max}) must exceed pt_hat_min "
                             f"({self.pt_hat_min})")
        if self.pt_max <= self.pt_min:
            raise ValueError(f"pt_max ({self.pt_max}) must exceed pt_min ({self.pt_min})")
        if 2 * self.pt_hat_min >= self.ecm:
            raise ValueError(f"pt_hat_min ({self.pt_hat_min} GeV) leaves no phase space at "
                             f"ecm = {self.ecm} GeV")
        check_float(self.eta_max, "eta_max", positive=True)
        check_float(self.radius, "radius", positive=True, maximum=2.0)
        check_int(self.n_constituents, "n_constituents", minimum=1, maximum=200)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pythia_settings(process: str, cuts: JetCuts, seed: int) -> list[str]:
    """The Pythia settings (``readString`` lines) of one shard."""
    if process not in PROCESSES:
        raise ValueError(f"process must be one of {', '.join(PROCESSES)}, got {process!r}")
    seed = check_int(seed, "seed", minimum=1, maximum=MAX_PYTHIA_SEED)
    common = [f"Beams:eCM = {cuts.ecm:g}",
              f"PhaseSpace:pTHatMin = {cuts.pt_hat_min:g}",
              f"PhaseSpace:pTHatMax = {cuts.pt_hat_max:g}",
              "Random:setSeed = on", f"Random:seed = {seed}",
              "Print:quiet = on", "Next:numberCount = 0"]
    if process == "top":
        # both W to quarks: the all-hadronic channel a top tagger sees
        return common + ["Top:gg2ttbar = on", "Top:qqbar2ttbar = on",
                         "24:onMode = off", "24:onIfAny = 1 2 3 4 5"]
    return common + ["HardQCD:all = on"]


# -- one event's record --------------------------------------------------------------------
def final_particles(event: Any) -> tuple[np.ndarray, np.ndarray]:
    """Four-momenta (E, px, py, pz) of an event's final-state particles, and their PDG ids.

    Returns
    -------
    p : ndarray of shape (n, 4), float64, GeV
    pid : ndarray of shape (n,), int64
    """
    rows = [(q.e(), q.px(), q.py(), q.pz(), q.id()) for q in event if q.isFinal()]
    a = np.array(rows, dtype=np.float64).reshape(-1, 5)
    return a[:, :4].copy(), a[:, 4].astype(np.int64)


def _last_copy(event: Any, i: int) -> int:
    return int(event[i].iBotCopyId())


def top_decays(event: Any) -> np.ndarray:
    """The tops of a tt̄ event and their decay quarks: four-momenta (n_tops, 4, 4).

    For each top (its last copy, after showering): the top, its b quark and the two
    quarks of its W (last copies), as (E, px, py, pz).  Tops whose W did not go to
    two quarks are left out.
    """
    tops = []
    for i in range(event.size()):
        q = event[i]
        if abs(q.id()) != 6 or _last_copy(event, i) != i:
            continue
        daughters = [_last_copy(event, j) for j in q.daughterList()]
        b = [j for j in daughters if abs(event[j].id()) == 5]
        w = [j for j in daughters if abs(event[j].id()) == 24]
        if len(b) != 1 or len(w) != 1:
            continue
        wq = [_last_copy(event, j) for j in event[w[0]].daughterList()]
        wq = [j for j in wq if 1 <= abs(event[j].id()) <= 5]
        if len(wq) != 2:
            continue
        tops.append([[event[j].e(), event[j].px(), event[j].py(), event[j].pz()]
                     for j in (i, b[0], *wq)])
    return np.array(tops, dtype=np.float64).reshape(-1, 4, 4)


# -- kinematics ------------------------------------------------------------------------------
def pt_eta_phi(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transverse momentum, pseudorapidity and azimuth of four-momenta (..., 4)."""
    p = np.asarray(p, dtype=np.float64)
    pt = np.hypot(p[..., 1], p[..., 2])
    eta = np.arcsinh(np.divide(p[..., 3], pt, out=np.zeros_like(pt), where=pt > 0))
    return pt, eta, np.arctan2(p[..., 2], p[..., 1])


def rapidity(p: np.ndarray) -> np.ndarray:
    """Rapidity y = ½ ln((E + pz) / (E - pz)) of four-momenta (..., 4)."""
    p = np.asarray(p, dtype=np.float64)
    return 0.5 * np.log(np.maximum(p[..., 0] + p[..., 3], 1e-300)
                        / np.maximum(p[..., 0] - p[..., 3], 1e-300))


def delta_r(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ΔR = sqrt(Δy² + Δφ²) between four-momenta (rapidity, as FastJet measures it)."""
    dphi = np.angle(np.exp(1j * (pt_eta_phi(a)[2] - pt_eta_phi(b)[2])))
    return np.hypot(rapidity(a) - rapidity(b), dphi)


def invariant_mass(p: np.ndarray) -> np.ndarray:
    """sqrt(max(E² - p², 0)), p² = px² + py² + pz², of four-momenta (..., 4)."""
    p = np.asarray(p, dtype=np.float64)
    m2 = p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1)
    return np.sqrt(np.maximum(m2, 0.0))


# -- clustering ------------------------------------------------------------------------------
def cluster(p: np.ndarray, radius: float = 0.8, *, ptmin: float = 0.0
            ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Anti-k_T jets of the particles ``p`` (n, 4) by FastJet, hardest first.

    Returns
    -------
    list of (jet, constituents)
        The jet's four-momentum (4,) (E-scheme: the sum of its constituents) and the
        indices into ``p`` of its constituents, by decreasing p_T.
    """
    fj = require("fastjet")
    p = np.asarray(p, dtype=np.float64)
    seq = _sequence(fj, p, fj.antikt_algorithm, radius)
    out = []
    for jet in fj.sorted_by_pt(seq.inclusive_jets(float(ptmin))):
        idx = np.array([c.user_index() for c in jet.constituents()], dtype=np.int64)
        idx = idx[np.argsort(-np.hypot(p[idx, 1], p[idx, 2]), kind="stable")]
        out.append((_four(jet), idx))
    return out


def _sequence(fj: Any, p: np.ndarray, algorithm: Any, radius: float) -> Any:
    """FastJet's clustering of the particles ``p`` (n, 4) = (E, px, py, pz); each
    PseudoJet carries its row of ``p`` as its user index."""
    parts = []
    for i, (e, px, py, pz) in enumerate(p):
        j = fj.PseudoJet(float(px), float(py), float(pz), float(e))
        j.set_user_index(i)
        parts.append(j)
    return fj.ClusterSequence(parts, fj.JetDefinition(algorithm, float(radius)))


def _four(jet: Any) -> np.ndarray:
    """A PseudoJet's (E, px, py, pz)."""
    return np.array([jet.E(), jet.px(), jet.py(), jet.pz()])


def exclusive_axes(p: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` exclusive k_T subjets of the particles ``p`` (m, 4): axes (n, 4).

    The usual N-subjettiness axes: all of a jet's constituents clustered with k_T until
    ``n`` remain.  With fewer than ``n`` particles, the particles themselves.
    """
    return _exclusive_axes(p, (n,))[0]


def _exclusive_axes(p: np.ndarray, ns: tuple[int, ...]) -> list[np.ndarray]:
    """:func:`exclusive_axes` for each n of ``ns``, from one k_T clustering."""
    p = np.asarray(p, dtype=np.float64)
    out, seq = [], None
    for n in ns:
        if p.shape[0] <= n:                      # too few particles: themselves
            out.append(p.copy())
            continue
        if seq is None:
            fj = require("fastjet")
            seq = _sequence(fj, p, fj.kt_algorithm, 1.5)
        out.append(np.array([_four(j) for j in seq.exclusive_jets(int(n))]))
    return out


def nsubjettiness(p: np.ndarray, axes: np.ndarray, radius: float = 0.8) -> float:
    """τ_N = Σ_k p_T,k min_j ΔR(k, axis_j) / (R Σ_k p_T,k), β = 1 (Thaler & Van Tilburg).

    Parameters
    ----------
    p : ndarray of shape (m, 4)
        The jet's constituents.
    axes : ndarray of shape (N, 4)
    radius : float
        The jet radius R, the normalisation.
    """
    p = np.asarray(p, dtype=np.float64)
    pt = np.hypot(p[:, 1], p[:, 2])
    if p.shape[0] == 0 or pt.sum() == 0:
        return 0.0
    d = np.min(delta_r(p[:, None, :], np.asarray(axes, dtype=np.float64)[None, :, :]), axis=1)
    return float(np.sum(pt * d) / (radius * np.sum(pt)))


def tau32(p: np.ndarray, radius: float = 0.8) -> float:
    """τ3 / τ2 of a jet's constituents ``p`` (m, 4) (1 when τ2 is zero)."""
    # one k_T clustering gives both sets of axes
    a2, a3 = _exclusive_axes(p, (2, 3))
    t2, t3 = nsubjettiness(p, a2, radius), nsubjettiness(p, a3, radius)
    return float(t3 / t2) if t2 > 0 else 1.0


#: Jet-level features, in the order of :func:`jet_features`.
FEATURES = ("mass", "pt", "eta", "phi", "tau32", "n_constituents")


def jet_features(jet: np.ndarray, constituents: np.ndarray, radius: float = 0.8
                 ) -> np.ndarray:
    """Mass, p_T, η, φ, τ32 and the constituent count of one jet, shape (6,)."""
    pt, eta, phi = pt_eta_phi(jet)
    return np.array([invariant_mass(jet), pt, eta, phi, tau32(constituents, radius),
                     constituents.shape[0]], dtype=np.float64)


def leading(constituents: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` rows of ``constituents`` (m, 4), zero-padded, flattened: (4 n,)."""
    out = np.zeros((n, 4))
    k = min(n, constituents.shape[0])
    out[:k] = constituents[:k]
    return out.reshape(-1)


def select_jet(p: np.ndarray, cuts: JetCuts, tops: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """The event's jet (see the module): (four-momentum (4,), constituents (m, 4)) or None.

    ``tops`` (n_tops, 4, 4) from :func:`top_decays` asks for a top-matched jet.
    """
    for jet, idx in cluster(p, cuts.radius, ptmin=0.5 * cuts.pt_min):
        pt, eta, _ = pt_eta_phi(jet)
        if not (cuts.pt_min <= pt <= cuts.pt_max and abs(eta) < cuts.eta_max):
            continue
        if tops is not None:
            if tops.shape[0] == 0 or not np.any(np.all(
                    delta_r(jet[None, None, :], tops) < cuts.radius, axis=1)):
                continue
        return jet, p[idx]
    return None


# -- a shard -----------------------------------------------------------------------------------
def generate_shard(process: str, n_jets: int, cuts: JetCuts, seed: int, *,
                   max_events: int | None = None, keep_events: int = 0) -> dict[str, Any]:
    """Generate events until ``n_jets`` of them give a jet (or ``max_events`` are spent).

    Parameters
    ----------
    process : {"top", "qcd"}
    n_jets : int
    cuts : JetCuts
    seed : int
        Pythia's ``Random:seed`` (1 .. 900,000,000).
    max_events : int, optional
        Give up after this many events (default 50 per wanted jet).
    keep_events : int, default=0
        Also return every final-state particle of the first this many events (for
        checks of clustering and momentum conservation).

    Returns
    -------
    dict
        ``X`` (n_jets, 4 N) constituents, ``features`` (n_jets, 6) (in the order of ``FEATURES``),
        ``n_events`` tried, ``seconds``, and with ``keep_events`` the lists ``events``
        (each (m, 4), all final particles, neutrinos included) and ``event_ids``.
    """
    cuts.validate()
    n_jets = check_int(n_jets, "n_jets", minimum=1)
    max_events = 50 * n_jets if max_events is None else check_int(max_events, "max_events",
                                                                   minimum=1)
    p8 = require("pythia8mc")
    require("fastjet")
    pythia = p8.Pythia("", False)
    for line in pythia_settings(process, cuts, seed):
        if not pythia.readString(line):
            raise RuntimeError(f"Pythia refused the setting {line!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia failed to initialise the {process!r} process")
    t0 = time.perf_counter()
    X, feats, events, ids = [], [], [], []
    n_events, failed = 0, 0
    while len(X) < n_jets and n_events < max_events:
        if not pythia.next():
            # Pythia aborts an event now and then; one that aborts them all must not hang
            failed += 1
            if failed > max(100, max_events // 10):
                raise RuntimeError(f"Pythia failed {failed} events in a row of {process!r} "
                                   f"(after {n_events} good ones): check the settings")
            continue
        failed = 0
        n_events += 1
        p, pid = final_particles(pythia.event)
        if len(events) < keep_events:
            events.append(p)
            ids.append(pid)
        visible = ~np.isin(np.abs(pid), NEUTRINOS)
        tops = top_decays(pythia.event) if process == "top" else None
        got = select_jet(p[visible], cuts, tops)
        if got is None:
            continue
        jet, cons = got
        X.append(leading(cons, cuts.n_constituents))
        feats.append(jet_features(jet, cons, cuts.radius))
    d = 4 * cuts.n_constituents
    out: dict[str, Any] = {"X": np.array(X, dtype=np.float64).reshape(-1, d),
                           "features": np.array(feats, dtype=np.float64).reshape(-1, len(FEATURES)),
                           "n_events": n_events, "seconds": time.perf_counter() - t0}
    if keep_events:
        out["events"], out["event_ids"] = events, ids
    return out
