"""Posterior draws as arrays, and the annual hazards they imply per fleet group.

The Bayesian stage (:mod:`riskengine.bayes`) samples the models and stores their draws;
this module turns stored draws into the per-draw annual failure probabilities the loss
engine simulates (pure NumPy, no PyMC, no store).

Age assumption (:func:`fleet_hazard_draws`): the insured year is ``[age, age + 1)`` where
``age`` is the satellite's age at ``as_of`` (default: today) from its ``launch_date``;
without a ``launch_date`` the group is a new launch (age 0: the first year in orbit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from riskengine.core import radiation as rad
from riskengine.core import reliability as rel

@dataclass
class Posterior:
    """Posterior draws of one fit run: ``values[model][(parameter, coord)] -> (n_draws,)``.

    Models were fitted independently, so draw ``i`` of each model may be combined freely.
    """

    run_id: str
    values: dict
    assumptions: dict = field(default_factory=dict)
    #: shares of bus failures by subsystem (``subsystems.csv`` of the fit's evidence)
    subsystems: list = field(default_factory=list)
    #: ``{model: [families with records of their own]}`` (others come from the hyperprior)
    evidence_families: dict = field(default_factory=dict)
    #: chains of the fit; the draws of each parameter are its chains back to back
    chains: int = 1

    def get(self, model: str, parameter: str, coord: str = "") -> np.ndarray:
        try:
            return self.values[model][(parameter, coord)]
        except KeyError:
            have = sorted({p for p, _ in self.values.get(model, {})})
            raise KeyError(f"posterior of run {self.run_id} has no {model}.{parameter}"
                           f"[{coord}]; parameters of {model!r}: {', '.join(have)}") from None

    def coords(self, model: str, parameter: str) -> list[str]:
        return [c for p, c in self.values.get(model, {}) if p == parameter]

    @property
    def n_draws(self) -> int:
        return min(len(v) for m in self.values.values() for v in m.values())



def _family_draws(post, rng, idx, model, mu, sigma, z, family):
    """Per-draw family effect: fitted family, else a new family from the hyperprior."""
    m, s = post.get(model, mu)[idx], post.get(model, sigma)[idx]
    if family in post.coords(model, z):
        return m + s * post.get(model, z, family)[idx]
    return m + s * rng.standard_normal(len(idx))


def group_age_years(group, as_of: dt.date | None = None) -> float:
    """Age (yr) at the start of the insured year: 0 without ``launch_date``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> g = SimpleNamespace(launch_date=dt.date(2024, 1, 1))
    >>> round(group_age_years(g, dt.date(2026, 1, 1)), 2)
    2.0
    """
    ld = getattr(group, "launch_date", None)
    if ld is None:
        return 0.0
    as_of = as_of or dt.date.today()
    return max(0.0, (as_of - ld).days / 365.25)


def tid_family(group) -> str:
    """The device family of a group's total-ionising-dose failure model: ``tid_family``
    when the group names one, else its ``accelerator_family``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> tid_family(SimpleNamespace(accelerator_family="tpu", tid_family="memory"))
    'memory'
    >>> tid_family(SimpleNamespace(accelerator_family="gpu"))
    'gpu'
    """
    return getattr(group, "tid_family", None) or getattr(group, "accelerator_family", "gpu")


def failure_dose_draws(post, family: str, idx=None, rng=None):
    """Per-draw ``(mu, sigma)`` of the lognormal functional-failure dose (ln rad(Si)) of a
    device family: its own fitted ``mu_f`` when the fit has records of it, else a new family
    from the hyperprior (``mu_f0 + tau_f z``, ``z ~ N(0, 1)`` drawn with ``rng``).

    Examples
    --------
    >>> post = Posterior("r", {"radiation": {("mu_f0", ""): np.full(3, 8.0),
    ...     ("tau_f", ""): np.zeros(3), ("sigma", ""): np.full(3, 0.3),
    ...     ("mu_f", "memory"): np.full(3, 7.6)}})
    >>> [float(x[0]) for x in failure_dose_draws(post, "memory")]
    [7.6, 0.3]
    >>> float(failure_dose_draws(post, "gpu", rng=np.random.default_rng(0))[0][0])
    8.0
    """
    idx = np.arange(post.n_draws) if idx is None else idx
    rng = rng if rng is not None else np.random.default_rng(0)
    sigma = post.get("radiation", "sigma")[idx]
    if family in post.coords("radiation", "mu_f"):
        return post.get("radiation", "mu_f", family)[idx], sigma
    mu0, tau = post.get("radiation", "mu_f0")[idx], post.get("radiation", "tau_f")[idx]
    return mu0 + tau * rng.standard_normal(len(idx)), sigma


def fleet_hazard_draws(draws, groups, n_draws=None, rng=None, *, as_of=None,
                       doses=None) -> dict:
    """Annual hazards per posterior draw and fleet group, for the loss engine.

    Parameters
    ----------
    draws : Posterior
        From :func:`load_posterior`.
    groups : list of riskengine.config.FleetGroup
    n_draws : int, optional
        Number of parameter sets; default all stored draws in order. Fewer are picked
        without replacement, more with replacement, using ``rng``.
    rng : numpy.random.Generator or int, optional
        Draw selection and unseen families (default seed 0: reproducible).
    as_of : datetime.date, optional
        Start of the insured year for groups with a ``launch_date`` (default today).
    doses : dict, optional
        ``{group name: yearly dose rad(Si)}`` behind the group's shielding (the hazards
        stage's physics: trapped + expected solar protons); groups with accelerators and a
        dose get ``radiation`` probabilities, the others 0.

    Returns
    -------
    dict of str to ndarray, each ``(n_draws, n_groups)``:
        ``hardware``: probability that a satellite's bus fails (total loss) in the insured
        year ``[age, age+1)`` given it works at ``age`` (Weibull, bus family).
        ``accelerator``: probability that one accelerator fails permanently in the year
        (``1 - exp(-rate_ground x phi)``; 0 without accelerators);
        ``accelerator_ground_rate``: the ground permanent-failure rate per device-year
        (the in-orbit factor applied by the caller when it fixes ``phi``);
        ``age``: the group's age at the start of the insured year (yr).
        ``log_phi`` is ``(n_draws,)``: the in-orbit factor's log per draw.
        ``radiation``: probability that an accelerator of the payload reaches its
        functional-failure dose in the insured year given it had not (lognormal
        dose-to-failure at the group's dose from ``doses``; 0 without accelerators or
        dose).
        ``radiation_mu``, ``radiation_sigma``: the lognormal failure dose (ln rad(Si)) of
        the group's TID device family (:func:`tid_family`; the hyperprior for a family
        without records), what the radiation perils combine with the physics dose.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> post = Posterior("r", {
    ...   "bus": {(k, ""): np.full(4, v) for k, v in
    ...           dict(mu_h=np.log(0.0285), sigma_h=0.0, mu_k=np.log(0.45), sigma_k=0.0).items()},
    ...   "accelerator": {(k, ""): np.full(4, v) for k, v in
    ...                   dict(mu_l=np.log(0.01), sigma_l=0.0, log_phi=0.0).items()},
    ...   "radiation": {(k, ""): np.full(4, v) for k, v in
    ...                 dict(mu_f0=np.log(2e3), tau_f=0.0, sigma=0.3).items()}})
    >>> g = SimpleNamespace(name="g", accelerators=4, accelerator_family="gpu",
    ...                     bus_family="conventional", launch_date=None)
    >>> hz = fleet_hazard_draws(post, [g], doses={"g": 2000.0})
    >>> hz["hardware"].shape, round(float(hz["hardware"][0, 0]), 3)
    ((4, 1), 0.028)
    >>> round(float(hz["radiation"][0, 0]), 3)       # a year at the median failure dose
    0.5
    """
    post = draws
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
        0 if rng is None else rng)
    total = post.n_draws
    if n_draws is None:
        idx = np.arange(total)
    else:
        idx = rng.choice(total, size=n_draws, replace=n_draws > total)
    n = len(idx)
    doses = doses or {}
    # unseen TID families draw from their own child stream: the bus and accelerator draws
    # stay what they were without the radiation model
    rad_rng = rng.spawn(1)[0]
    out = {k: np.zeros((n, len(groups))) for k in ("hardware", "accelerator", "radiation",
                                                    "accelerator_ground_rate", "age",
                                                    "radiation_mu", "radiation_sigma")}
    out["log_phi"] = (post.get("accelerator", "log_phi")[idx] if "accelerator" in post.values
                      else np.zeros(n))
    for j, g in enumerate(groups):
        age = group_age_years(g, as_of)
        out["age"][:, j] = age
        log_h1 = _family_draws(post, rng, idx, "bus", "mu_h", "sigma_h", "z_h", g.bus_family)
        log_k = _family_draws(post, rng, idx, "bus", "mu_k", "sigma_k", "z_k", g.bus_family)
        out["hardware"][:, j] = rel.conditional_failure_probability(age, np.exp(log_h1),
                                                                    np.exp(log_k))
        if not getattr(g, "accelerators", 0):
            continue
        log_l = _family_draws(post, rng, idx, "accelerator", "mu_l", "sigma_l", "z_l",
                              g.accelerator_family)
        out["accelerator_ground_rate"][:, j] = np.exp(log_l)
        out["accelerator"][:, j] = rel.capacity_loss_fraction(np.exp(log_l + out["log_phi"]))
        if "radiation" not in post.values:
            continue
        mu, sigma = failure_dose_draws(post, tid_family(g), idx, rad_rng)
        out["radiation_mu"][:, j], out["radiation_sigma"][:, j] = mu, sigma
        if g.name in doses:
            out["radiation"][:, j] = rad.annual_failure_probability(age, doses[g.name], mu,
                                                                    sigma)
    return out


def batch_draws(post, n_draws: int, rng=None) -> dict:
    """Per-draw parameters of the batch-defect peril: ``defect_probability``,
    ``affected_a/b`` and ``lost_a/b`` (Beta parameters of the affected and lost shares of a
    defective batch), each ``(n_draws,)`` (the stored draws in order, cycled, or picked
    with ``rng`` as in :func:`fleet_hazard_draws`).

    Examples
    --------
    >>> post = Posterior("r", {"batch": {(k, ""): np.full(3, v) for k, v in dict(
    ...     defect_probability=0.05, affected_mean=0.75, affected_kappa=2.0, lost_mean=0.25,
    ...     lost_kappa=4.0).items()}})
    >>> d = batch_draws(post, 3)
    >>> d["affected_a"].tolist(), d["lost_b"].tolist()
    ([1.5, 1.5, 1.5], [3.0, 3.0, 3.0])
    """
    total = len(post.get("batch", "defect_probability"))
    if rng is None or n_draws == total:
        idx = np.arange(n_draws) % total
    else:
        idx = rng.choice(total, size=n_draws, replace=n_draws > total)
    g = {k: post.get("batch", k)[idx] for k in ("defect_probability", "affected_mean",
                                                 "affected_kappa", "lost_mean", "lost_kappa")}
    return dict(defect_probability=g["defect_probability"],
                affected_a=g["affected_mean"] * g["affected_kappa"],
                affected_b=(1 - g["affected_mean"]) * g["affected_kappa"],
                lost_a=g["lost_mean"] * g["lost_kappa"],
                lost_b=(1 - g["lost_mean"]) * g["lost_kappa"])


def anchors(post, *, suncatcher_dose_5yr=750.0, family: str = "memory") -> dict:
    """Posterior means and 90 % intervals of the anchor quantities.

    * ``r1_conventional``: bus reliability at 1 yr (Castet & Saleh ≈ 0.97).
    * ``p5_suncatcher``: 5-year functional-failure probability of a device of ``family``
      (default ``memory``: the HBM of the Suncatcher TPU v6e test) at the Suncatcher dose
      (750 rad over 5 yr); ``p5_hard_suncatcher`` the same for hard failure.
    * ``median_failure_krad_<family>``: the functional-failure median of every family with
      TID records; ``median_failure_krad_new_family`` a family without (the hyperprior).
    """
    def q(x):
        return dict(mean=float(np.mean(x)), q05=float(np.quantile(x, 0.05)),
                    q95=float(np.quantile(x, 0.95)))

    out = {}
    if "conventional" in post.coords("bus", "z_h"):
        h1 = np.exp(post.get("bus", "log_h1", "conventional"))
        out["r1_conventional"] = q(np.exp(-h1))
    if "radiation" not in post.values:
        return out
    mu, s = failure_dose_draws(post, family)
    out["p5_suncatcher"] = q(rad.failure_probability(suncatcher_dose_5yr, mu, s))
    out["p5_hard_suncatcher"] = q(rad.failure_probability(
        suncatcher_dose_5yr, mu + post.get("radiation", "gap"), s))
    for fam in post.coords("radiation", "mu_f"):
        out[f"median_failure_krad_{fam}"] = q(np.exp(post.get("radiation", "mu_f", fam)) / 1e3)
    out["median_failure_krad_new_family"] = q(np.exp(failure_dose_draws(
        post, "\x00new", rng=np.random.default_rng(1))[0]) / 1e3)
    return out
