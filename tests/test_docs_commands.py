"""Every command line in README.md and docs/*.md runs as written, or a named test or CI script runs it.

A line is a command of a fenced ```bash block (continuations joined, comments dropped) or a `$ ` line. A `vlayer`
line is parsed by the real click command, options and arguments checked as click checks them, then by the option
checks the command runs before any work (`vlayer.cli_checks`), so an unknown option, a bad value or a refused
combination fails here. Any other line must be in COVERED, with the test or CI script that runs it and the text
that shows it does; the test checks that text is there. NOT_RUN lists the lines nothing runs, each with why; they
are there to be read, not to pass unnoticed: the test fails when one of them is no longer in the docs.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from vlayer.cli import main
from vlayer.cli_checks import CHECKS

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = {"bash", "sh", "shell", "console"}
VLAYER = {"vlayer", ".venv/bin/vlayer", ".venv-cuda/bin/vlayer"}
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")

#: Lines other than `vlayer` ones, each with the file that runs it and the text in that file that shows it does.
COVERED: dict[str, tuple[str, tuple[str, ...]]] = {
    "bash bash/test.sh": (".ci/run", ("exec bash bash/test.sh",)),
    "bash bash/demo.sh": ("bash/test.sh", ("bash bash/demo.sh",)),
    "bash bash/setup.sh": ("bash/test.sh", ("bash bash/setup.sh",)),
    ".venv/bin/python benches/preflight.py": ("bash/test.sh", (".venv/bin/python benches/preflight.py",)),
    ".venv/bin/python benches/guest_native.py": ("bash/test.sh", (".venv/bin/python benches/guest_native.py",)),
    "cd examples/simple && bash ../../bash/vlayer-build.sh": (
        "tests/test_examples.py",
        ('["bash", "../../bash/vlayer-build.sh"], cwd=REPO_ROOT / "examples" / name', 'run_example("simple")'),
    ),
    "cd examples/simple-email-proof && bash ../../bash/vlayer-build.sh": (
        "tests/test_examples.py",
        (
            '["bash", "../../bash/vlayer-build.sh"], cwd=REPO_ROOT / "examples" / name',
            'run_example("simple-email-proof")',
        ),
    ),
    "cd examples/simple-json && bash ../../bash/vlayer-build.sh": (
        "tests/test_examples.py",
        ('["bash", "../../bash/vlayer-build.sh"], cwd=REPO_ROOT / "examples" / name', 'run_example("simple-json")'),
    ),
    "bash bash/setup.sh --cuda --dry-run": (
        "tests/test_cuda_build.py",
        ('["bash", "bash/setup.sh", *args]', 'setup("--cuda", "--dry-run")'),
    ),
}

#: Lines no test or CI script runs, and why. Each is a gap in "every command line is exercised", kept visible.
NOT_RUN: dict[str, str] = {
    "bash bash/setup.sh --cuda": "downloads and builds the CUDA toolkit wheels; only the --dry-run is tested",
    ".venv/bin/python benches/verifier_gas.py": "a benchmark of 73 s here (forge gas reports); kept out of CI's budget",
    ".venv/bin/python benches/service.py": "a benchmark (100 jobs through a service); kept out of CI's budget",
    ".venv/bin/python benches/cluster.py": "a benchmark proving 8 segments (minutes); kept out of CI's budget",
    ".venv/bin/python benches/request_worker.py": "a benchmark of racing workers (minutes); kept out of CI's budget",
    ".venv/bin/python benches/forge_vprove.py": "8 forge test runs proving through vprove; kept out of CI's budget",
    ".venv/bin/python benches/zkvm_profile.py": "recorded calls in the zkVM executor with its profiler; kept out of "
    "CI's budget (tests/test_real_chains.py holds the mainnet USDT call's segments)",
}

#: Parameters whose value is a path a documented command creates, which a later line of the same file may read.
PRODUCED = {
    "init": ("directory",),
    "prove": ("out",),
    "groth16 export": ("out_dir",),
    "groth16 import": ("out",),
    "dns-notary keygen": ("out",),
    "worker keygen": ("out",),
    "email prepare": ("out",),
}


@dataclass(frozen=True)
class DocLine:
    path: Path
    number: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.number}"


def doc_lines(path: Path) -> list[DocLine]:
    lines: list[DocLine] = []
    fence: str | None = None
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        opening = re.match(r"^\s*```(\S*)", raw)
        if opening:
            fence = opening.group(1) if fence is None else None
            continue
        in_shell = fence in SHELLS
        if not in_shell and raw.lstrip().startswith("$ "):
            lines.append(DocLine(path, number, raw.lstrip()[2:].strip()))
            continue
        if not in_shell:
            continue
        start, text = pending if pending else (number, "")
        text += " " + raw.strip()
        if text.endswith("\\"):
            pending = (start, text[:-1])
            continue
        pending = None
        command = _without_comment(text)
        if command:
            lines.append(DocLine(path, start, command))
    return lines


def _without_comment(text: str) -> str:
    """The line as written up to its comment: a `#` that starts a word outside quotes, as the shell reads it."""
    quote = ""
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or text[i - 1].isspace()):
            text = text[:i]
            break
    return " ".join(text.split())


ALL_LINES = [line for path in DOCS for line in doc_lines(path)]


def vlayer_commands(text: str) -> list[list[str]] | None:
    """The argv of each `&&`-joined command, when every one is a `vlayer` command; None otherwise."""
    commands: list[list[str]] = []
    for part in text.split("&&"):
        argv = shlex.split(part)
        while argv and ENV_ASSIGNMENT.match(argv[0]):
            argv = argv[1:]
        if not argv or argv[0] not in VLAYER:
            return None
        commands.append(argv)
    return commands


def env_assignments(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split("&&"):
        for token in shlex.split(part):
            if not ENV_ASSIGNMENT.match(token):
                break
            name, _, value = token.partition("=")
            out[name] = value
    return out


def parse(argv: list[str], *, lenient: bool = False) -> tuple[str, click.Context]:
    """The command path (`groth16 export`) and the context click builds for `vlayer ARGV...`, as the CLI would;
    `lenient`: click's resilient parsing, which reads what it can and checks nothing."""
    ctx = main.make_context("vlayer", list(argv), resilient_parsing=lenient)
    command: click.Command = main
    path: list[str] = []
    while isinstance(command, click.Group):
        rest = [*ctx._protected_args, *ctx.args]
        if not rest and command.invoke_without_command:
            break  # `vlayer worker OPTIONS`: the group runs itself
        name, sub, args = command.resolve_command(ctx, rest)
        assert name is not None and sub is not None
        path.append(name)
        ctx = sub.make_context(name, args, parent=ctx, resilient_parsing=lenient)
        command = sub
    return " ".join(path), ctx


def check_vlayer_line(line: DocLine, commands: list[list[str]], produced: set[str]) -> None:
    for argv in commands:
        try:
            path, ctx = parse(argv[1:])
        except click.exceptions.Exit as done:  # --version, --help: click exits while parsing
            assert done.exit_code == 0, f"{line.where}: {line.text!r} exits {done.exit_code}"
            continue
        except click.BadParameter as exc:
            missing = re.search(r"'([^']+)' does not exist", exc.format_message())
            if missing and missing.group(1) in produced:
                continue  # an earlier line of this file creates it (init, --out)
            pytest.fail(f"{line.where}: {line.text!r}: {exc.format_message()}")
        except click.UsageError as exc:
            pytest.fail(f"{line.where}: {line.text!r}: {exc.format_message()}")
        check = CHECKS.get(path)
        if check is not None:
            try:
                check(ctx.params)
            except Exception as exc:
                pytest.fail(f"{line.where}: {line.text!r}: vlayer {path} refuses it: {exc}")
        for name in PRODUCED.get(path, ()):
            if ctx.params.get(name):
                produced.add(str(ctx.params[name]))


def produced_before(line: DocLine) -> set[str]:
    """Paths the `vlayer` lines above `line` in its file create."""
    produced: set[str] = set()
    for earlier in ALL_LINES:
        if earlier.path != line.path or earlier.number >= line.number:
            continue
        for argv in vlayer_commands(earlier.text) or []:
            try:
                path, ctx = parse(argv[1:], lenient=True)
            except (click.UsageError, click.exceptions.Exit):
                continue
            produced.update(str(ctx.params[n]) for n in PRODUCED.get(path, ()) if ctx.params.get(n))
    return produced


def test_the_docs_have_command_lines() -> None:
    # The extraction itself: README's preflight line is found where it is, comments dropped, continuations joined.
    texts = {line.text for line in ALL_LINES}
    assert any(t.startswith(".venv/bin/vlayer preflight --rpc-url") for t in texts)
    assert "bash bash/test.sh" in texts
    assert any(t.startswith("VLAYER_WORKER_KEY=") and "--function" in t for t in texts)
    assert len(ALL_LINES) > 20


@pytest.mark.parametrize("line", ALL_LINES, ids=[line.where for line in ALL_LINES])
def test_every_command_line_runs_as_written(line: DocLine, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = vlayer_commands(line.text)
    if commands is None:
        assert line.text in COVERED or line.text in NOT_RUN, (
            f"{line.where}: {line.text!r} is not a vlayer command, and neither COVERED (the test or CI script that "
            "runs it) nor NOT_RUN (why nothing does) in tests/test_docs_commands.py lists it"
        )
        return
    monkeypatch.chdir(ROOT)  # paths in the docs are relative to the checkout
    for name in ("VLAYER_AUTH_TOKEN", "VLAYER_WORKER_KEY"):
        monkeypatch.delenv(name, raising=False)  # only what the line itself sets
    for name, value in env_assignments(line.text).items():
        monkeypatch.setenv(name, value)
    check_vlayer_line(line, commands, produced_before(line))


@pytest.mark.parametrize("text", sorted(COVERED))
def test_covered_lines_are_run_where_the_table_says(text: str) -> None:
    runner, needles = COVERED[text]
    source = (ROOT / runner).read_text()
    for needle in needles:
        assert needle in source, f"{runner} no longer runs {text!r}: {needle!r} is not in it"


def test_the_tables_name_only_lines_of_the_docs() -> None:
    texts = {line.text for line in ALL_LINES}
    stale = sorted(set(COVERED) - texts) + sorted(set(NOT_RUN) - texts)
    assert not stale, f"no longer in README.md or docs/*.md, remove from the tables: {stale}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["prove", "--to", "0x01", "--bogus"], "No such option '--bogus'"),
        (["serve", "--rpc-url", "31337=http://x", "--hardfork", "31337=shanghai"], "not a dev hardfork"),
        (
            [
                "worker",
                "--rpc-url",
                "http://x",
                "--book",
                "0x1",
                "--function",
                "f",
                "--private-key",
                "0x1",
                "--service",
                "http://s",
                "--hardfork",
                "osaka",
            ],
            "--hardfork applies to local proving",
        ),
        (
            ["preflight", "--to", "0x01", "--rpc-url", "http://x", "--hardfork", "osaka", "--chain-spec", "README.md"],
            "--hardfork and --chain-spec exclude each other",
        ),
    ],
)
def test_a_wrong_line_fails_naming_where_it_is(argv: list[str], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a reader would see for a bad documented line: the file, the line, and the command's own refusal.
    monkeypatch.chdir(ROOT)
    line = DocLine(ROOT / "docs" / "example.md", 7, "vlayer " + " ".join(argv))
    with pytest.raises(pytest.fail.Exception) as failed:
        check_vlayer_line(line, [["vlayer", *argv]], set())
    assert str(failed.value).startswith("docs/example.md:7: 'vlayer ")
    assert message in str(failed.value)


def test_an_uncovered_line_fails_naming_where_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    line = DocLine(ROOT / "README.md", 3, "make everything")
    with pytest.raises(AssertionError) as failed:
        test_every_command_line_runs_as_written(line, monkeypatch)
    assert str(failed.value).startswith("README.md:3: 'make everything' is not a vlayer command")
