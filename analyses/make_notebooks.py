"""Write the notebooks of analyses/ (without outputs) from the cells below.

Run ``python analyses/make_notebooks.py`` after editing a cell here; the notebooks are committed without
outputs so that diffs stay small, and ``tests/test_notebooks.py`` runs them top to bottom. They use only the
public API of ruptstats.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

NOTICE = ("> **The bundled example is synthetic.** Eleven simulated rupture-repair studies (N = 1,314) made by "
          "`data/make_example.py` with a true correlation of .29; they are not real studies.")

META_ANALYSIS = [
    ("md", "# Meta-analysis of rupture repair and outcome\n\n"
           "Pool the correlations between rupture repair and treatment outcome in the bundled example table, "
           "draw the forest and funnel plots and write the result as an APA paragraph.\n\n" + NOTICE),
    ("code", "import ruptstats\n"
             "from ruptstats import report\n"
             "from ruptstats.effects import escalc\n"
             "from ruptstats.meta import load_example, rma, subgroup_analysis\n"
             "from ruptstats.plotting import forest_plot, funnel_plot\n\n"
             "ruptstats.__version__"),
    ("md", "## The study table\n\nOne row per study: the correlation `r` between repair and outcome, the sample "
           "size `n` and who rated the ruptures."),
    ("code", "table = load_example()\ntable"),
    ("md", "## Effect sizes\n\nCorrelations are pooled as Fisher's z, with sampling variance 1/(n - 3) "
           "(metafor's `escalc(measure = \"ZCOR\")`)."),
    ("code", "es = escalc(table, measure=\"ZCOR\", ri=\"r\", ni=\"n\")\n"
             "es[[\"study\", \"r\", \"n\", \"yi\", \"vi\"]]"),
    ("md", "## Random-effects model\n\nREML estimate of the between-study variance, z tests, 95% confidence "
           "and prediction intervals; estimates are reported back-transformed to r."),
    ("code", "res = rma(es, study=es[\"study\"], ni=es[\"n\"])\nprint(res.summary())"),
    ("code", "res.summary_frame(back_transform=True)"),
    ("code", "assert res.k == len(table) == 11\n"
             "assert res.n_total == int(table[\"n\"].sum())"),
    ("md", "## Forest plot\n\nSquares have areas proportional to the study weights; the diamond is the pooled "
           "correlation with its 95% CI and the bar below it the 95% prediction interval."),
    ("code", "fig = forest_plot(res)"),
    ("md", "## Contour-enhanced funnel plot\n\nShaded regions show where a study's own test of r = 0 would "
           "give p < .10, .05 and .01 (Peters et al., 2008); the dashed lines are the pseudo 95% confidence "
           "region around the pooled estimate."),
    ("code", "fig = funnel_plot(res)"),
    ("md", "## Subgroups: who rated the ruptures\n\nOne model per rater type, each with its own τ², and the "
           "test of subgroup differences."),
    ("code", "sg = subgroup_analysis(res, table[\"rater\"], name=\"Rater\")\nprint(sg.summary())"),
    ("code", "fig = forest_plot(sg)"),
    ("md", "## APA paragraph"),
    ("code", "differ = \"differed\" if sg.p < 0.05 else \"did not differ significantly\"\n"
             "paragraph = (\n"
             "    f\"A random-effects meta-analysis of {res.k} studies (synthetic example data) estimated the \"\n"
             "    f\"correlation between rupture repair and outcome as {report.apa_sentence(res)} \"\n"
             "    f\"Correlations {differ} by who rated the ruptures, \"\n"
             "    f\"Q({sg.df}) = {report.apa_number(sg.q)}, {report.apa_p(sg.p)}.\"\n"
             ")\n"
             "print(paragraph)"),
]

BIAS_AND_SENSITIVITY = [
    ("md", "# Publication bias and sensitivity\n\n"
           "Small-study effects, trim and fill, and how much the pooled correlation depends on single studies, "
           "for the model of `01_meta_analysis.ipynb`.\n\n" + NOTICE),
    ("code", "import pandas as pd\n\n"
             "from ruptstats import report\n"
             "from ruptstats.effects import escalc\n"
             "from ruptstats.meta import (baujat, cumulative, egger_test, fail_safe_n, gosh, influence,\n"
             "                            leave_one_out, load_example, meta_regression, pet_peese, rank_test, rma,\n"
             "                            trim_and_fill)\n"
             "from ruptstats.plotting import (baujat_plot, bubble_plot, cumulative_plot, forest_plot, funnel_plot,\n"
             "                                gosh_plot, leave_one_out_plot)\n\n"
             "table = load_example()\n"
             "es = escalc(table, measure=\"ZCOR\", ri=\"r\", ni=\"n\")\n"
             "res = rma(es, study=es[\"study\"], ni=es[\"n\"])\n"
             "print(report.apa_sentence(res))"),
    ("md", "## Small-study effects\n\nEgger's regression test (metafor's `regtest(res, model = \"lm\")`), "
           "Begg and Mazumdar's rank correlation, the fail-safe N and PET-PEESE."),
    ("code", "eg = egger_test(res)\n"
             "tests = pd.concat([eg.summary_frame().assign(test=\"Egger\"),\n"
             "                   rank_test(res).summary_frame().assign(test=\"Begg\")], ignore_index=True)\n"
             "tests"),
    ("code", "print(fail_safe_n(res).summary())\nprint()\nprint(pet_peese(res).summary())"),
    ("md", "The funnel plot with Egger's regression line, $y = b_0 + b_1 \\cdot SE$, drawn from the "
           "fitted test (nothing is refitted by the plot)."),
    ("code", "fig = funnel_plot(res, egger=eg)"),
    ("md", "## Trim and fill\n\nStudies imputed by trim and fill (L0 estimator) are drawn as hollow circles; "
           "the vertical line is the adjusted estimate."),
    ("code", "tf = trim_and_fill(res)\nprint(tf.summary())\nfig = funnel_plot(tf)"),
    ("code", "adjusted = report.apa_number(tf.back_transformed[\"estimate\"], bounded=True)\n"
             "print(f\"Filled studies: {tf.k0}; adjusted r = {adjusted}\")\n"
             "assert tf.is_filled.sum() == tf.k0"),
    ("md", "## Leave-one-out\n\nThe pooled correlation with each study left out in turn; the dotted line is the "
           "estimate with all studies."),
    ("code", "loo = leave_one_out(res)\n"
             "fig = leave_one_out_plot(loo, measure=res.measure, reference=res.estimate)"),
    ("code", "assert len(loo.summary_frame()) == res.k\n"
             "influence(res).summary_frame()[[\"study\", \"rstudent\", \"cooks_distance\", \"hat\", \"influential\"]]"),
    ("md", "## Cumulative meta-analysis by publication year"),
    ("code", "cm = cumulative(res, order=table[\"year\"])\nfig = cumulative_plot(cm, measure=res.measure)"),
    ("md", "## Heterogeneity diagnostics\n\nThe Baujat plot shows each study's contribution to Q against its "
           "influence on the pooled estimate; the GOSH plot the estimate and I² of every subset of studies "
           "(2^11 - 1 = 2,047 DerSimonian-Laird fits)."),
    ("code", "fig = baujat_plot(baujat(res))"),
    ("code", "g = gosh(res, method=\"DL\")\nprint(g.summary())\nfig = gosh_plot(g)"),
    ("md", "## Meta-regression on publication year"),
    ("code", "mr = meta_regression(res, {\"year\": table[\"year\"]})\nprint(mr.summary())\n"
             "fig = bubble_plot(mr, xlabel=\"Publication year\")"),
]


def build(cells) -> nbformat.NotebookNode:
    """A notebook (nbformat 4, kernel python3) from ``(kind, source)`` pairs, without outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, source) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        cell["id"] = f"cell-{i:02d}"  # stable ids keep diffs small
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


NOTEBOOKS = {"01_meta_analysis.ipynb": META_ANALYSIS, "02_bias_and_sensitivity.ipynb": BIAS_AND_SENSITIVITY}


def main() -> int:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), HERE / name)
        print(HERE / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
