"""The three values every Exotel request needs, read from the environment.

Exotel's Authentication & Security guide: the API Key is the username, the API Token the password, and the Account SID
appears in every path. They live in environment variables, never in code.

>>> creds = Credentials.from_env({"EXOTEL_API_KEY": "k1234", "EXOTEL_API_TOKEN": "t",
...                               "EXOTEL_ACCOUNT_SID": "acme"})
>>> creds
Credentials(api_key='k123…', account_sid='acme', region='singapore', api_token=<hidden>)
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import MissingCredentialsError, SecretFileError, UnknownRegionError
from .regions import DEFAULT_REGION, Region, get_region

KEY_VAR = "EXOTEL_API_KEY"
TOKEN_VAR = "EXOTEL_API_TOKEN"
SID_VAR = "EXOTEL_ACCOUNT_SID"
REGION_VAR = "EXOTEL_REGION"
SUBDOMAIN_VAR = "EXOTEL_SUBDOMAIN"
REQUIRED = (KEY_VAR, TOKEN_VAR, SID_VAR)
#: ``<VARIABLE>_FILE`` names a file holding that value, as platforms mount secrets
#: (``EXOTEL_API_TOKEN_FILE=/run/secrets/exotel_api_token``).
FILE_SUFFIX = "_FILE"
TOKEN_FILE_VAR = TOKEN_VAR + FILE_SUFFIX

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Credentials:
    """An API key and token for one account; the token never appears in repr, str or logs."""

    api_key: str
    api_token: str = field(repr=False)
    account_sid: str
    region: Region = DEFAULT_REGION

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        """Read ``EXOTEL_API_KEY``, ``EXOTEL_API_TOKEN``, ``EXOTEL_ACCOUNT_SID`` and the region.

        Each of the three may come from a file instead: ``EXOTEL_API_TOKEN_FILE`` (likewise
        ``EXOTEL_API_KEY_FILE``, ``EXOTEL_ACCOUNT_SID_FILE``) names it, as a platform mounts a
        secret (e.g. ``/run/secrets/exotel_api_token``). Call ``from_env`` again after a rotation
        has replaced the file.

        Raises MissingCredentialsError naming every variable that is missing or malformed, and
        SecretFileError when a file is missing, unreadable or empty, or a value is set twice.
        """
        env = os.environ if env is None else env
        from_files = {}
        for name in REQUIRED:
            file_var = name + FILE_SUFFIX
            path = env.get(file_var, "").strip()
            if not path:
                continue
            if env.get(name, "").strip():
                raise SecretFileError(
                    f"Both {name} and {file_var} are set; set only one of them "
                    f"(unset {name} when the value comes from a file)."
                )
            from_files[name] = read_secret_file(path, file_var)
        env = {**env, **from_files} if from_files else env
        missing = [name for name in REQUIRED if not env.get(name, "").strip()]
        problems = [
            f"{name} has leading or trailing whitespace; remove it."
            for name in REQUIRED
            if name not in missing and env[name] != env[name].strip()
        ]
        if missing or problems:
            raise MissingCredentialsError(missing, problems)
        return cls(env[KEY_VAR], env[TOKEN_VAR], env[SID_VAR], region_from_env(env))

    def with_changes(self, **changes) -> Credentials:
        """A copy with some fields changed (a wrong token for a demonstration, say)."""
        return replace(self, **changes)

    def _shown_fields(self) -> list[str]:
        return [
            f"api_key={mask(self.api_key)!r}",
            f"account_sid={self.account_sid!r}",
            f"region={self.region.name!r}",
            "api_token=<hidden>",
        ]

    def __repr__(self) -> str:
        return f"Credentials({', '.join(self._shown_fields())})"

    __str__ = __repr__

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """In IPython: the same text, one field a line when it is wider than the output."""
        with printer.group(4, "Credentials(", ")"):
            for number, field in enumerate(self._shown_fields()):
                if number:
                    printer.text(",")
                    printer.breakable()
                else:
                    printer.breakable("")
                printer.text(field)


def region_from_env(env: Mapping[str, str]) -> Region:
    """``EXOTEL_REGION`` (name) or ``EXOTEL_SUBDOMAIN`` (host); Singapore when neither is set.

    Singapore is the guide's default for most accounts :exotel:`guide.regions`; a Mumbai account
    that sets neither calls the wrong data centre."""
    by_name = env.get(REGION_VAR, "").strip()
    by_host = env.get(SUBDOMAIN_VAR, "").strip()
    if not by_name and not by_host:
        return DEFAULT_REGION
    regions = {
        var: get_region(value)
        for var, value in ((REGION_VAR, by_name), (SUBDOMAIN_VAR, by_host))
        if value
    }
    if len(set(regions.values())) > 1:
        raise UnknownRegionError(
            f"{REGION_VAR}={by_name!r} and {SUBDOMAIN_VAR}={by_host!r} name different data "
            "centres; set only one of them."
        )
    return next(iter(regions.values()))


def read_secret_file(path: str | os.PathLike, variable: str = TOKEN_FILE_VAR) -> str:
    """The secret in ``path``, without the one newline a file usually ends with.

    Refuses a file that is missing, unreadable, empty or padded with other whitespace, each
    with a message naming the fix; logs a warning if other users may read it.
    """
    where = f"{variable}={path}"
    file = Path(path)
    try:
        mode = file.stat().st_mode
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretFileError(
            f"{where}: no such file. Mount the secret there, or point {variable} at the file "
            "that holds it."
        ) from None
    except IsADirectoryError:
        raise SecretFileError(
            f"{where} is a directory; point {variable} at the file inside it that holds the secret."
        ) from None
    except PermissionError:
        raise SecretFileError(
            f"{where} cannot be read by this process (user id {os.getuid()}). Give the service's "
            "user read access to it, and only that user (e.g. owner-only mode 0400)."
        ) from None
    except UnicodeDecodeError:
        raise SecretFileError(
            f"{where} is not UTF-8 text; it should hold the secret only."
        ) from None
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(
            "%s can be read by other users (mode %s); restrict it to the service's user "
            "(chmod 400).",
            where,
            oct(stat.S_IMODE(mode)),
        )
    secret = text.removesuffix("\n").removesuffix("\r")
    if not secret.strip():
        raise SecretFileError(
            f"{where} is empty. Write the value into it (from Settings > API Settings)."
        )
    if secret != secret.strip():
        raise SecretFileError(
            f"{where} has whitespace around the secret (beyond one final newline); remove it."
        )
    return secret


def mask(secret: str, shown: int = 4) -> str:
    """The first few characters and an ellipsis: enough to tell keys apart, not to use one."""
    return secret[:shown] + "…" if len(secret) > shown else "…"
