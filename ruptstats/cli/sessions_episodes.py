"""The rupture-episode part of ``python -m ruptstats.sessions`` (issue 15): ``--episodes PATH``, ``--km-plot PATH``,
``--swimmer-plot PATH`` and the episode summary of each study.

Each study's classified sessions (one rater's: ``--episode-rater``, default ``client`` when the study has client
ratings) go through the library in one direction::

    episodes = rupture_episodes(sessions)            # one row per episode
    time_to_repair(episodes)                          # episodes, repaired, median latency with its CI
    stronger_after_repair(episodes)                   # share stronger after repair (Wilson CI), mean gain

The output shows each result's own ``summary()`` (text) and ``to_dict()`` (JSON, under ``episodes``); the episode
table written by ``--episodes`` replaces client identifiers by ``client_number`` (the client's row in the
``--clients`` table of the same study) unless ``--include-ids``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import OptionError

__all__ = ["EpisodeRun", "episode_figures", "episode_table", "study_episodes"]


@dataclass(frozen=True, eq=False)
class EpisodeRun:
    """The rupture episodes of one study: the table (identifiers included; never printed), the client spans (for
    the swimmer plot) and the two summary results."""

    study: str
    rater: str | None
    episodes: object  # DataFrame from rupture_episodes
    spans: object  # DataFrame from client_spans
    time_to_repair: object  # TimeToRepair, all episodes
    stronger: object  # StrongerAfterRepair

    def to_dict(self) -> dict:
        """``rater`` (None without a rater column), ``time_to_repair`` and ``stronger_after_repair`` (each the
        result's own ``to_dict()``). No identifiers."""
        return {"rater": self.rater, "time_to_repair": self.time_to_repair.to_dict(),
                "stronger_after_repair": self.stronger.to_dict()}

    def summary(self) -> str:
        who = f" ({self.rater} ratings)" if self.rater is not None else ""
        return (f"Rupture episodes{who}:\n{self.time_to_repair.summary()}\n"
                f"Stronger after repair:\n{self.stronger.summary()}")


def _one_rater(sessions, rater, study):
    """The rows of one rater: ``rater``, else ``client`` when present, else the only one; (rows, rater)."""
    if "rater" not in sessions.columns:
        if rater is not None:
            raise OptionError(f"study {study!r}: --episode-rater {rater!r}, but the study has no rater column")
        return sessions, None
    raters = sorted(str(r) for r in sessions["rater"].dropna().unique())
    if rater is None:
        if "client" in raters or len(raters) <= 1:
            rater = "client" if "client" in raters else (raters[0] if raters else None)
        else:
            raise OptionError(f"study {study!r}: sessions rated by {', '.join(raters)}: choose whose ruptures make "
                              f"the episodes with --episode-rater")
    elif rater not in raters:
        raise OptionError(f"study {study!r}: --episode-rater {rater!r} has no sessions; raters: "
                          f"{', '.join(raters) or 'none'}")
    return sessions[sessions["rater"].astype(object) == rater], rater


def study_episodes(classified, *, study: str, rater: str | None = None, level: float = 95.0) -> EpisodeRun:
    """Episodes, client spans, time to repair and stronger-after-repair of one study's classified sessions."""
    from ..episodes import client_spans, rupture_episodes, stronger_after_repair, time_to_repair

    sessions, rater = _one_rater(classified, rater, study)
    episodes = rupture_episodes(sessions)
    return EpisodeRun(study=study, rater=rater, episodes=episodes, spans=client_spans(sessions),
                      time_to_repair=time_to_repair(episodes, level=level),
                      stronger=stronger_after_repair(episodes, level=level))


def episode_table(runs, include_ids: bool):
    """Every study's episode table; without ``include_ids``, ``client`` becomes ``client_number`` (the client's
    row number in the same study's ``--clients`` table)."""
    import pandas as pd

    parts = []
    for run in runs:
        t = run.episodes.episodes.copy()
        t["study"] = run.study if "study" not in t.columns else t["study"].astype(object)
        if not include_ids:
            number = {str(c): i + 1 for i, c in enumerate(run.clients["client"].astype(object))}
            at = list(t.columns).index("client")
            values = pd.array([number.get(str(c)) for c in t["client"].astype(object)], dtype="Int64")
            t = t.drop(columns=["client"])
            t.insert(at, "client_number", values)
        parts.append(t[["study"] + [c for c in t.columns if c != "study"]])
    return pd.concat(parts, ignore_index=True)


def episode_figures(runs, args, figure_path):
    """``(path, figure)`` for ``--km-plot`` (by rupture type when the study has types, else one curve) and
    ``--swimmer-plot``, one file per study as for the other figures (``figure_path(path, runs, run)``)."""
    from .. import plotting

    with_episodes = [run for run in runs if len(run.episodes.episodes)]
    if (args.km_plot is not None or args.swimmer_plot is not None) and not with_episodes:
        raise OptionError("--km-plot/--swimmer-plot: no study has a rupture episode")
    if args.km_plot is not None:
        from ..episodes import time_to_repair

        for run in with_episodes:
            ep = run.episodes.episodes
            by = "type" if ep["type"].notna().any() else None
            res = time_to_repair(ep, by=by, level=args.level)
            yield figure_path(args.km_plot, runs, run), plotting.km_plot(res, title=run.study)
    if args.swimmer_plot is not None:
        for run in with_episodes:
            yield figure_path(args.swimmer_plot, runs, run), plotting.swimmer_plot(
                run.episodes.episodes, run.episodes.spans, include_ids=args.include_ids, title=run.study)
