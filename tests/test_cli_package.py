"""The ``ruptstats/cli/`` package: the shared pieces every command uses, and the import boundary
(the statistical subpackages never import the command line or the plotting package)."""

import ast
import json
from pathlib import Path

import pytest

from ruptstats.cli import _common
from ruptstats.exceptions import DataError, RuptstatsError

PACKAGE = Path(__file__).resolve().parents[1] / "ruptstats"
STATISTICAL = ("meta", "effects", "sessions")
FORBIDDEN = ("ruptstats.cli", "ruptstats.plotting")
# ``python -m ruptstats.meta`` and ``python -m ruptstats.sessions`` hand over to ruptstats.cli.meta / .sessions
SHIMS = {PACKAGE / "meta" / "__main__.py", PACKAGE / "sessions" / "__main__.py"}


def imported_modules(source: str, module: str) -> set:
    """Absolute names of every module ``source`` imports (relative imports resolved against ``module``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: len(module.split(".")) - node.level]
                base = ".".join(parent + ([base] if base else []))
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def forbidden_imports(source: str, module: str) -> list:
    return sorted(n for n in imported_modules(source, module)
                  if any(n == f or n.startswith(f + ".") for f in FORBIDDEN))


def test_the_scan_sees_every_spelling_of_a_forbidden_import():
    mod = "ruptstats.meta.bias"
    assert forbidden_imports("from ..cli import _common", mod) == ["ruptstats.cli", "ruptstats.cli._common"]
    assert forbidden_imports("from .. import plotting", mod) == ["ruptstats.plotting"]
    assert forbidden_imports("def f():\n    import ruptstats.plotting.forest", mod) == ["ruptstats.plotting.forest"]
    assert forbidden_imports("from ...ruptstats import x\nfrom ..effects import escalc", mod) == []
    assert forbidden_imports("from ruptstats.plotting_extra import x", mod) == []


@pytest.mark.parametrize("subpackage", STATISTICAL)
def test_statistical_subpackages_import_neither_the_cli_nor_plotting(subpackage):
    files = sorted((PACKAGE / subpackage).rglob("*.py"))
    assert files
    bad = {}
    for path in files:
        if path in SHIMS:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if path.name == "__init__.py":
            module += ".__init__"  # relative imports in a package's __init__ resolve against the package
        found = forbidden_imports(path.read_text(encoding="utf-8"), module)
        if found:
            bad[str(path.relative_to(PACKAGE.parent))] = found
    assert bad == {}


# -- shared pieces ------------------------------------------------------------------------------------------------

def test_run_command_turns_domain_and_file_errors_into_one_line(capsys):
    def domain():
        raise DataError("bad cell", source="t.csv", row=3, column="r")

    def missing():
        open("/nonexistent/dir/table.csv")

    assert _common.run_command("prog", domain) == 2
    err = capsys.readouterr().err
    assert err.startswith("prog: error: ") and "t.csv" in err and err.count("\n") == 1
    assert _common.run_command("prog", missing) == 2
    err = capsys.readouterr().err
    assert err == "prog: error: /nonexistent/dir/table.csv: No such file or directory\n"
    assert _common.run_command("prog", lambda: 0) == 0


def test_json_text_is_strict_json():
    text = _common.json_text({"a": float("nan"), "b": [1.5, float("inf"), -float("inf")], "c": {"d": None}})
    assert json.loads(text) == {"a": None, "b": [1.5, None, None], "c": {"d": None}}
    assert "NaN" not in text and "Infinity" not in text and text.endswith("}\n")


def test_render_output_takes_a_text_renderer_and_a_payload():
    kw = {"text": lambda: "summary\n", "payload": lambda: {"k": 2}}
    assert _common.render_output("text", **kw) == "summary\n"
    assert json.loads(_common.render_output("json", **kw)) == {"k": 2}
    assert _common.render_output("markdown", **kw) == "```\nsummary\n```\n"
    assert _common.render_output("csv", csv=lambda: "a,b\n", **kw) == "a,b\n"
    with pytest.raises(RuptstatsError, match="--format csv"):
        _common.render_output("csv", **kw)


def test_write_output_to_a_file_or_stdout(tmp_path, capsys):
    _common.write_output("x\n", tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_text() == "x\n" and capsys.readouterr().out == ""
    _common.write_output("y\n")
    assert capsys.readouterr().out == "y\n"


def test_figure_options_check_the_extension():
    import argparse

    parser = argparse.ArgumentParser()
    _common.add_figure_arguments(parser, {"forest": "a forest plot"})
    args = parser.parse_args(["--forest", "f.PDF", "--dpi", "600"])
    assert args.forest == Path("f.PDF") and args.dpi == 600.0
    with pytest.raises(SystemExit):
        parser.parse_args(["--forest", "f.jpg"])
