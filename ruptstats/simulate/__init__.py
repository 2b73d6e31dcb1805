"""Simulated session-level rupture studies with a known truth: generate them, write them in the messy formats the
loaders read, and run the pipeline on them (parameter recovery, power).

>>> from ruptstats.simulate import StudyDesign, simulate_studies
>>> sim = simulate_studies(StudyDesign(n_clients=12, n_sessions=6), n_studies=2, seed=1)
>>> sorted(sim.sessions["study"].unique())
['Study 1', 'Study 2']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .formats import write_formats, write_semicolon_csv, write_spss, write_wide_excel
    from .generate import Simulation, simulate_studies, simulate_study, StudyDesign
    from .recovery import recover_effects, study_table

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "recover_effects": ".recovery",
    "Simulation": ".generate",
    "simulate_studies": ".generate",
    "simulate_study": ".generate",
    "study_table": ".recovery",
    "StudyDesign": ".generate",
    "write_formats": ".formats",
    "write_semicolon_csv": ".formats",
    "write_spss": ".formats",
    "write_wide_excel": ".formats",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
