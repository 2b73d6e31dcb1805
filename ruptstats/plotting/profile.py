"""Profile likelihood plot of τ² (metafor's ``plot(profile(res))``)."""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError
from ._common import pyplot
from .style import publication_style

__all__ = ["profile_plot"]


def profile_plot(profile, *, xlabel="τ²", ylabel=None, title=None, figsize=(4.5, 3.6)):
    """Draw a τ² profile: the (restricted) log-likelihood over the grid, the estimate and its maximum.

    Parameters
    ----------
    profile : ProfileResult or pandas.DataFrame
        From :func:`ruptstats.meta.profile` (this function computes nothing), or its ``summary_frame()`` (columns
        ``tau2``, ``loglik``; drawn without the estimate's lines).
    xlabel, ylabel, title : str, optional
        Axis titles (``ylabel`` default: "Restricted log-likelihood" for REML, else "Log-likelihood").
    figsize : (float, float), default (4.5, 3.6)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: the profile as a line with points (gid ``"profile"``), a dotted vertical line at the
        estimate (gid ``"estimate"``) and a dotted horizontal line at the maximum (gid ``"maximum"``).

    Raises
    ------
    DataError
        Not a profile result, or no finite log-likelihood to draw.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from ruptstats.meta import rma, profile
    >>> fig = profile_plot(profile(rma([0.1, 0.3, 0.35, 0.65, 0.5], [0.01, 0.02, 0.015, 0.012, 0.01])))
    >>> len(fig.axes[0].lines)
    3
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import pandas as pd

    frame = isinstance(profile, pd.DataFrame)
    if frame and not {"tau2", "loglik"} <= set(profile.columns):
        raise DataError("profile_plot: a table needs the columns tau2 and loglik (profile(res).summary_frame())")
    tau2 = profile["tau2"] if frame else getattr(profile, "tau2", None)
    ll = profile["loglik"] if frame else getattr(profile, "loglik", None)
    if tau2 is None or ll is None or not (frame or hasattr(profile, "tau2_hat")):
        raise DataError("profile_plot draws the result of ruptstats.meta.profile(res) or its summary_frame()")
    tau2, ll = np.asarray(tau2, dtype=float), np.asarray(ll, dtype=float)
    if not np.isfinite(ll).any():
        raise DataError("profile_plot: no finite log-likelihood to draw")
    if ylabel is None:
        ylabel = "Log-likelihood" if frame or not profile.reml else "Restricted log-likelihood"
    with publication_style():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=figsize)
        ax.plot(tau2, ll, color="black", marker="o", markersize=3.5, linewidth=1.0, gid="profile")
        if not frame:
            ax.axvline(profile.tau2_hat, color="black", linestyle=":", linewidth=0.9, gid="estimate")
            ax.axhline(profile.loglik_max, color="black", linestyle=":", linewidth=0.9, gid="maximum")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        return fig
