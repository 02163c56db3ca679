"""The pinned anvil as tests and `vlayer run` start it: its persisted states live in a folder of ours, removed when
it stops, also after the process was killed (anvil removes its own ~/.foundry/anvil/tmp folder only on a clean exit;
killed ones once filled this machine's disk)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from vlayer.devnet import Anvil

FOUNDRY_TMP = Path.home() / ".foundry" / "anvil" / "tmp"


def _home_states() -> set[str]:
    return set(os.listdir(FOUNDRY_TMP)) if FOUNDRY_TMP.is_dir() else set()


def test_persisted_states_go_to_a_folder_removed_on_stop() -> None:
    before = _home_states()
    anvil = Anvil().start()
    try:
        cache = anvil._cache_dir
        assert cache is not None and Path(cache).is_dir()
        anvil.rpc("anvil_mine", hex(600))  # past anvil's in-memory states: some go to disk
        assert anvil.proc is not None
        anvil.proc.send_signal(signal.SIGKILL)
        anvil.proc.wait()
        assert any(Path(cache).iterdir()), "a killed anvil leaves its states behind"
    finally:
        anvil.stop()
    assert not Path(cache).exists()
    assert _home_states() <= before
