"""The public surface is visible (issue 9 item 4): the imports under ``TYPE_CHECKING`` in each package
``__init__`` are exactly its lazy ``_EXPORTS`` map, every exported name resolves, ``__all__`` lists them,
and the package ships a ``py.typed`` marker."""

import ast
import importlib
from importlib import resources
from pathlib import Path

import pytest

import ruptstats

PACKAGES = ["ruptstats", "ruptstats.meta", "ruptstats.effects", "ruptstats.sessions", "ruptstats.plotting",
            "ruptstats.intake", "ruptstats.conditions", "ruptstats.episodes", "ruptstats.mixed"]


def _init_tree(package: str) -> ast.Module:
    path = Path(importlib.import_module(package).__file__)
    assert path.name == "__init__.py"
    return ast.parse(path.read_text(encoding="utf-8"))


def _exports_map(tree: ast.Module) -> dict[str, str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["_EXPORTS"]:
            return ast.literal_eval(node.value)
    raise AssertionError("no _EXPORTS assignment at module level")


def _type_checking_imports(tree: ast.Module) -> dict[str, str]:
    """``name -> relative module`` for every ``from .x import name`` inside ``if TYPE_CHECKING:``."""
    found: dict[str, str] = {}
    blocks = [node for node in tree.body if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
              and node.test.id == "TYPE_CHECKING"]
    assert len(blocks) == 1, "expected exactly one `if TYPE_CHECKING:` block"
    for node in blocks[0].body:
        assert isinstance(node, ast.ImportFrom), f"only `from . import` statements belong there (line {node.lineno})"
        assert node.level == 1, f"relative imports only (line {node.lineno})"
        for alias in node.names:
            assert alias.asname is None, f"{alias.name} is imported under another name"
            assert alias.name not in found, f"{alias.name} imported twice"
            found[alias.name] = "." + (node.module or "")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_type_checking_imports_equal_the_lazy_exports(package):
    tree = _init_tree(package)
    assert _type_checking_imports(tree) == _exports_map(tree)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves_and_is_listed(package):
    module = importlib.import_module(package)
    exports = _exports_map(_init_tree(package))
    assert set(exports) <= set(module.__all__)
    assert len(module.__all__) == len(set(module.__all__))
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None, f"{package}.{name}"
    for name, submodule in exports.items():
        # the lazy map points at the module that really holds the object
        assert getattr(importlib.import_module(submodule, package), name) is getattr(module, name)
    assert set(exports) <= set(dir(module))


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        importlib.import_module("ruptstats.meta").nope  # noqa: B018


def test_py_typed_marker_ships_with_the_package():
    assert resources.files("ruptstats").joinpath("py.typed").is_file()
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    assert '"py.typed"' in pyproject.read_text(encoding="utf-8")


def test_top_level_docstring_maps_every_subpackage():
    doc = ruptstats.__doc__
    for package in PACKAGES[1:] + ["ruptstats.tables", "ruptstats.report", "ruptstats.vocabulary"]:
        assert f":mod:`{package}`" in doc, package
