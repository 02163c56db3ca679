"""User projects: `vlayer init` copies a template, `vlayer build` / `vlayer test` run forge on it with the pinned solc.

A project stands alone: `lib/vlayer` is a copy of vlayer's Solidity library (`vlayer.project.bundle`: from the
checkout the package runs from, or the bundle a wheel carries), `lib/vlayer/src/ImageID.sol` is the installed
guest's, and `foundry.toml` names `.vlayer/bin/solc`, a wrapper that `vlayer init` and every `vlayer build` write
around the solcjs `find_tool` resolves (`$VLAYER_TOOLS_DIR`, a checkout's node_modules, the user's tools folder,
PATH). Nothing in a project points into a vlayer checkout, so it keeps building when the checkout moves or was
never there.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils.abi import collapse_if_tuple

from vlayer.contracts_gen import image_id_source
from vlayer.devnet import ToolError, find_tool
from vlayer.errors import InputError, VlayerError
from vlayer.project import bundle
from vlayer.project.forge_diagnostics import build_failure

#: The project's wrapper around solcjs, relative to the project (foundry.toml's `solc`).
SOLC_WRAPPER = Path(".vlayer") / "bin" / "solc"
_SOLC_LINE = re.compile(r'(?m)^(#[^\n]*\n)?solc = "[^"\n]*"$')
_SOLC_BLOCK = (
    "# `vlayer build` writes this wrapper around the pinned solcjs (forge cannot download solc offline).\n"
    f'solc = "{SOLC_WRAPPER.as_posix()}"'
)

# forge needs two things from a solc binary: `--version` in solc's own format, and `--standard-json` on stdin.
_WRAPPER = """#!/usr/bin/env bash
# Written by `vlayer build`: forge runs the pinned npm solcjs through it, offline. `vlayer build` rewrites it with
# the solcjs it finds ($VLAYER_TOOLS_DIR, a vlayer checkout's node_modules, the user's tools folder, PATH).
set -euo pipefail
solcjs={solcjs}
[ -x "$solcjs" ] || {{ echo "solc wrapper: $solcjs not found; run vlayer build again" >&2; exit 1; }}
for arg in "$@"; do
  if [ "$arg" = "--version" ]; then
    echo "solc, the solidity compiler commandline interface"
    echo "Version: $("$solcjs" --version)"
    exit 0
  fi
done
# forge embeds every source in the JSON input, so the path flags it adds are dropped. solcjs reads stdin with one
# synchronous read (EAGAIN on a non-blocking pipe) and node exits before flushing a pipe (cutting the JSON at
# 64 KiB), so input and output go through files; solcjs prints a ">>> ..." notice before the JSON.
in=$(mktemp)
out=$(mktemp)
trap 'rm -f "$in" "$out"' EXIT
cat > "$in"
NODE_OPTIONS="" "$solcjs" --standard-json < "$in" > "$out"
sed -n '/^{{/,$p' "$out"
"""


_CHECKOUT_RUN = re.compile(r"Run by `bash \.\./\.\./bash/vlayer-build\.sh`(\s+)from(\s+)this folder")


def templates() -> list[str]:
    return sorted(
        p.split("/")[1]
        for p in bundle.files()
        if p.startswith("templates/") and p.count("/") == 2 and p.endswith("/foundry.toml")
    )


def _write_tree(files: dict[str, bytes], prefix: str, target: Path) -> None:
    """The files of `files` under `prefix`, written below `target` (copies: a project links to nothing)."""
    for path, content in files.items():
        if path.startswith(prefix):
            out = target / path[len(prefix) :]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(content)
            if path.startswith("templates/") and content.startswith(b"#!"):
                out.chmod(0o755)


def _guest_image_id() -> bytes | None:
    """The installed guest's image id, for the project's ImageID.sol; None without a native module."""
    from vlayer.guest import call_guest_id

    try:
        return call_guest_id()
    except VlayerError:
        return None


def install_toolchain(root: Path) -> Path:
    """Write the project's solc wrapper (and links to forge and anvil beside it) for the tools found now."""
    solcjs = find_tool("solcjs")
    wrapper = root / SOLC_WRAPPER
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    text = _WRAPPER.format(solcjs=shlex.quote(solcjs))
    if not wrapper.is_file() or wrapper.read_text() != text:
        wrapper.write_text(text)
    wrapper.chmod(0o755)
    for name in ("forge", "anvil"):
        link = wrapper.parent / name
        target = find_tool(name)
        if link.is_symlink() and os.readlink(link) == target:
            continue
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    return wrapper


def init_project(target: Path, template: str) -> Path:
    """Copy template `template` to `target` (which must not exist or be empty) with vlayer's library in `lib/vlayer`,
    the solc wrapper, and a README with the next steps."""
    if template not in templates():
        raise InputError(f"unknown template {template!r}; available: {', '.join(templates())}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target} already exists and is not an empty directory")
    find_tool("solcjs")  # refused before anything is written: without it the project cannot build
    files = bundle.files()
    toml_text = files[f"templates/{template}/foundry.toml"].decode()
    toml_text, count = _SOLC_LINE.subn(_SOLC_BLOCK, toml_text)
    if count != 1:
        raise ToolError(f"template {template}: foundry.toml has no single `solc = ...` line for the wrapper")
    target.mkdir(parents=True, exist_ok=True)
    _write_tree(files, f"templates/{template}/", target)
    (target / "foundry.toml").write_text(toml_text)
    _write_tree(files, "contracts/", target / "lib" / "vlayer")
    (target / "lib" / "vlayer" / "src" / "ImageID.sol").write_text(image_id_source(_guest_image_id()))
    # The examples' apps say how the checkout runs them; a project runs its app with `vlayer run`.
    app = target / "vlayer" / "app.py"
    if app.is_file():
        app.write_text(_CHECKOUT_RUN.sub(r"Run by `vlayer run`\1from\2this folder", app.read_text()))
    install_toolchain(target)
    template_readme = target / "README.md"
    about = template_readme.read_text() if template_readme.is_file() else ""
    (target / "README.md").write_text(project_readme(target, template, about))
    return target


def next_steps(target: Path) -> list[str]:
    """The commands a new project goes on with, for the README and `vlayer init`'s output."""
    where = shlex.quote(str(target))
    return [
        f"cd {where}",
        "vlayer build            # forge build with the pinned solc; lists the provers and the verified functions",
        "vlayer test             # the project's forge tests; VTest proves calls in them (forge test --ffi)",
        "vlayer run              # anvil + prove service (dev mode) + vlayer/app.py: deploy, prove, verify on chain",
        "vlayer run --keep       # the same, and leave anvil and the service running (URLs and pids printed)",
    ]


_VERIFIED = re.compile(r"function\s+(\w+)\s*\(\s*Proof\s+calldata\b[^,)]*,?([^)]*)\)")
_ELEMENTARY = re.compile(r"(address|bool|string|bytes\d*|u?int\d*)(\[\d*\])*")


def _example_verified(root: Path) -> str:
    """A verified function of the project's sources as `--calldata-for` takes it, for the README's examples; a
    placeholder when none has only elementary parameters (a struct's ABI form needs the build: `vlayer build`)."""
    for source in sorted((root / "src").rglob("*.sol")):
        for name, params in _VERIFIED.findall(source.read_text()):
            types = [p.split()[0] for p in params.split(",") if p.strip()]
            if all(_ELEMENTARY.fullmatch(t) for t in types):
                return f"{name}({','.join(types)})"
    return "claim(address,uint256)"


def project_readme(target: Path, template: str, about: str) -> str:
    steps = "\n".join(next_steps(target)[1:])
    verified = _example_verified(target)
    text = f"""# {target.name}

A vlayer prover project made by `vlayer init --template {template}`: Solidity provers (`src/*.v.sol`) whose calls
are proven off chain, verifiers that accept those proofs on chain, forge tests (`test/`), and a Python app
(`vlayer/app.py`) that deploys them, proves through a prove service and submits the proof.

`lib/vlayer` is a copy of vlayer's Solidity library; `.vlayer/` (git-ignored) holds the solc wrapper `vlayer build`
writes, links to the pinned forge and anvil, and the local state of `vlayer run` (logs, the job store).

## Next steps

```bash
{steps}
```

`export PATH="$PWD/.vlayer/bin:$PATH"` puts the pinned `forge` and `anvil` on your PATH (`forge test`, `anvil`).

## Prove and submit by hand

With anvil and the service from `vlayer run --keep` (it prints their URLs and the deployed addresses), prove a
call of your prover and get the calldata of the verifier's function for it (the verified function takes the proof
first, then the prover's outputs; `vlayer build` lists the verified functions with their signatures):

```bash
vlayer prove --rpc-url RPC_URL --hardfork osaka --dev --to PROVER --data 0xCALLDATA --out proof.json
vlayer calldata proof.json '{verified}'     # the verifier call's 0x calldata
vlayer prove ... --calldata-for '{verified}'     # or both in one step
cast send VERIFIER "$(vlayer calldata proof.json '{verified}')" --rpc-url RPC_URL --unlocked \\
    --from SENDER --gas-limit 1000000
```

`--data` is the prover function's calldata (web3.py's `contract.encode_abi(...)`, or `cast calldata`). `cast` is
Foundry's and not among vlayer's pinned tools; any client that sends raw calldata does the same. A verifier accepts
a proof of block N from block N + 1 on: estimate gas on the pending block, or give a gas limit as above. `--dev`
proofs are FAKE: they prove nothing, and verifiers on mainnets refuse them.
"""
    if about.strip():
        text += f"\n## About the {template} template\n\n" + about.lstrip().removeprefix("# ").split("\n", 1)[-1]
    return text


@dataclass(frozen=True)
class BuildResult:
    artifacts: int
    provers: list[str]
    #: `Contract.function(types after the proof)` of each function that takes a vlayer `Proof` first.
    verified: list[str]


def _verified_functions(contract: str, abi: list[dict[str, Any]]) -> list[str]:
    found = []
    for item in abi:
        inputs = item.get("inputs") or []
        if item.get("type") != "function" or not inputs:
            continue
        if inputs[0].get("internalType") in ("struct Proof", "struct Proof calldata", "struct Proof memory"):
            types = ",".join(collapse_if_tuple(i) for i in inputs[1:])
            found.append(f"{contract}.{item['name']}({types})")
    return found


def _forge(
    root: Path, *args: str, capture: bool, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    if not (root / "foundry.toml").is_file():
        raise InputError(f"{root} has no foundry.toml (create a project with `vlayer init`)")
    # Only a project that names the wrapper gets one: contracts/ and the examples use the checkout's own.
    if f'solc = "{SOLC_WRAPPER.as_posix()}"' in (root / "foundry.toml").read_text():
        install_toolchain(root)
    return subprocess.run(
        [find_tool("forge"), *args, "--offline"], cwd=root, capture_output=capture, text=True, timeout=900, env=env
    )


def build_project(root: Path) -> BuildResult:
    """`forge build --offline` in a project; a compile error is a `ForgeBuildError` carrying forge's own output."""
    proc = _forge(root, "build", capture=True)
    if proc.returncode != 0:
        raise build_failure(proc)
    out = root / "out"
    artifacts = [p for p in out.glob("*/*.json") if p.parent.name != "build-info"]
    own_sources = {p.name for p in (root / "src").rglob("*.sol")}
    provers, verified = [], []
    for p in sorted(artifacts):
        doc = json.loads(p.read_text())
        deployable = doc.get("bytecode", {}).get("object", "0x") != "0x"
        if deployable and p.parent.name.endswith(".v.sol"):
            provers.append(p.stem)
        # Only the project's own sources: the library's verifiers (lib/vlayer) are not what a user calls.
        if deployable and p.parent.name in own_sources:
            verified += _verified_functions(p.stem, doc.get("abi", []))
    return BuildResult(len(artifacts), sorted(provers), verified)


def forge_test(root: Path, forge_args: tuple[str, ...]) -> int:
    """`forge test --offline` in a project, its output straight to the terminal; forge's exit status.

    What `VTest.vprove` needs comes with it: `--ffi` (it runs `vlayer test-call`), and `VLAYER_PYTHON`, this
    interpreter, so that the proof is made by this very vlayer whatever `vlayer` PATH finds (docs/forge-testing.md).
    """
    env = {**os.environ, "VLAYER_PYTHON": sys.executable}
    return _forge(root, "test", "--ffi", *forge_args, capture=False, env=env).returncode
