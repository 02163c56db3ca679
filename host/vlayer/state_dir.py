"""Where `vlayer serve` and `vlayer worker` keep their SQLite stores when `--db` names none: never the cwd.

In a vlayer project (the nearest folder at or above the cwd holding a `foundry.toml`, as forge finds its project)
they go in its `.vlayer/`, which the templates git-ignore, beside the app's logs; elsewhere in the user's data
directory (`$XDG_DATA_HOME/vlayer`, else `~/.local/share/vlayer`). A file dropped in whatever folder a command ran in
ends up untracked in a checkout, or is lost track of.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from click.types import OptionHelpExtra

from vlayer.errors import InputError

#: The folder a vlayer project keeps its local state in (stores, logs); its templates git-ignore it.
PROJECT_STATE = ".vlayer"


def project_dir(start: Path | None = None) -> Path | None:
    """The vlayer project `start` (default: the cwd) is in: the nearest folder at or above it with a foundry.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "foundry.toml").is_file():
            return folder
    return None


def user_data_dir() -> Path:
    """`$XDG_DATA_HOME/vlayer`, else `~/.local/share/vlayer`; a relative XDG_DATA_HOME is ignored, as the XDG base
    directory spec says."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "vlayer"


def state_dir(start: Path | None = None) -> Path:
    project = project_dir(start)
    return project / PROJECT_STATE if project is not None else user_data_dir()


def default_db_path(file_name: str, start: Path | None = None) -> Path:
    return state_dir(start) / file_name


def default_db_url(file_name: str, start: Path | None = None) -> str:
    """The SQLite URL of the default store, its folder created (SQLite does not create folders)."""
    path = default_db_path(file_name, start)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {path.parent} for the default store ({exc.strerror}); pass --db") from None
    return f"sqlite:///{path}"


class DefaultDbOption(click.Option):
    """`--db` whose help shows the store the command would use here (resolved when help is shown, not at import)."""

    def __init__(self, *args: Any, db_file: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.db_file = db_file

    def get_help_extra(self, ctx: click.Context) -> OptionHelpExtra:
        extra = super().get_help_extra(ctx)
        where = "this project's .vlayer/" if project_dir() is not None else "the user data directory"
        extra["default"] = f"sqlite:///{default_db_path(self.db_file)}, in {where}"
        return extra
