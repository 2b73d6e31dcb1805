"""A plain pooling run must not import the heavy modules (the CLI's speed goal rests on this)."""

import json
import subprocess
import sys

HEAVY = ["matplotlib", "statsmodels", "scipy.stats", "scipy.optimize", "pingouin"]


def test_cli_pooling_run_imports_no_heavy_module():
    code = (
        "import sys, json\n"
        "from ruptstats.cli.meta import main\n"
        "main(['--format', 'json', '--output', '/dev/null'])\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_import_ruptstats_is_light():
    code = f"import sys, json, ruptstats; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
