"""The committed docs/openapi.yaml and frontend/src/api/schema.d.ts are what the code makes now.

Both are generated (`make schema`) and committed, so that a change to the API shows up in
review as a change to the contract and to the frontend's types, and `npm run build` checks
the frontend against it. These tests fail while either file is stale.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess

import pytest

from .conftest import COMMITTED_SCHEMA, FRONTEND, GENERATED_TYPES

FIX = "regenerate with `make schema` and commit the result"


def unified_diff(committed: str, generated: str, name: str) -> str:
    lines = difflib.unified_diff(
        committed.splitlines(keepends=True),
        generated.splitlines(keepends=True),
        fromfile=f"{name} (committed)",
        tofile=f"{name} (generated now)",
    )
    return "".join(list(lines)[:80])


def test_the_committed_openapi_schema_is_what_the_code_generates(generated_schema):
    committed = COMMITTED_SCHEMA.read_text()
    generated = generated_schema.read_text()
    assert committed == generated, (
        f"docs/openapi.yaml is stale: {FIX}.\n{unified_diff(committed, generated, 'openapi')}"
    )


def test_the_frontend_types_are_what_openapi_typescript_makes_of_the_committed_schema(
    tmp_path,
):
    """Run the pinned openapi-typescript (frontend/node_modules; `make test` installs it)."""
    npx = shutil.which("npx")
    if npx is None or not (FRONTEND / "node_modules" / ".bin" / "openapi-typescript").exists():
        if os.environ.get("CI"):
            pytest.fail("frontend/node_modules is missing: run `npm ci` in frontend/ first")
        pytest.skip("frontend/node_modules is missing (npm ci in frontend/ to run this test)")
    output = tmp_path / "schema.d.ts"
    done = subprocess.run(
        [npx, "--no", "openapi-typescript", str(COMMITTED_SCHEMA), "--output", str(output)],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    committed = GENERATED_TYPES.read_text()
    generated = output.read_text()
    assert committed == generated, (
        f"frontend/src/api/schema.d.ts is stale: {FIX}.\n"
        f"{unified_diff(committed, generated, 'schema.d.ts')}"
    )
