"""Translations of the server's own words (warnings, `%costs`), from the package's catalogue.

The catalogue is `locale/<lang>/LC_MESSAGES/jupyter_costwidget.po`. `scripts/i18n.py`
compiles it to a `.mo` (read here with the standard library's gettext, so a kernel needs
nothing else) and to the Jed `.json` that JupyterLab loads through the `jupyterlab.locale`
entry point. Both sides use one catalogue, so a word is translated once.

Messages made by the server are `Text`: an English `str` that keeps its template and values,
so the same warning can be said again in the language of whoever asks.
"""

from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

DOMAIN = "jupyter_costwidget"
LOCALE_DIR = Path(__file__).with_name("locale")
ENGLISH = gettext.NullTranslations()


class Text(str):
    """English text that remembers its template (`{name}` fields) and values.

    It is a `str` everywhere (JSON, logs, comparisons); `translate` says it again in another
    language. Values may be `Text` themselves (a phrase inside a sentence).
    """

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Text:
        text = super().__new__(cls, _render(msgid, values, ENGLISH))
        text.msgid = msgid
        text.values = values
        return text

    def translate(self, translations: gettext.NullTranslations) -> str:
        return _render(self.msgid, self.values, translations)


def N_(msgid: str) -> str:
    """Marks a template for the catalogue where it is written; `Text` fills it in later."""
    return msgid


def _render(msgid: str, values: dict[str, Any], translations: gettext.NullTranslations) -> str:
    said = {k: translate(v, translations) for k, v in values.items()}
    return translations.gettext(msgid).format(**said)


def translate(value: Any, translations: gettext.NullTranslations) -> Any:
    """`value` in the catalogue's language when it is a `Text`; anything else as it is."""
    return value.translate(translations) if isinstance(value, Text) else value


def normalize(language: str | None) -> str | None:
    """'ja-JP', 'ja_JP.UTF-8' and 'ja_JP' are one language; 'en', '' and None are English."""
    if not language:
        return None
    code = language.split(".")[0].split("@")[0].replace("-", "_")
    if code.lower() in ("c", "posix") or code.lower().startswith("en"):
        return None
    return code


@lru_cache(maxsize=16)
def translations(language: str | None) -> gettext.NullTranslations:
    """The catalogue for `language` ('ja_JP' falls back to 'ja'); English when none is shipped."""
    code = normalize(language)
    if code is None:
        return ENGLISH
    candidates = [code, code.split("_")[0]]
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=candidates, fallback=True)


def environment_language(environ: os._Environ[str] | dict[str, str] = os.environ) -> str | None:
    """The locale a process runs in, in gettext's order: LANGUAGE, LC_ALL, LC_MESSAGES, LANG."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return value.split(":")[0]
    return None


def is_translated(language: str | None) -> bool:
    """Whether the package ships a catalogue for `language`."""
    return type(translations(language)) is not gettext.NullTranslations


def say(said: gettext.NullTranslations, msgid: str, **values: Any) -> str:
    """`msgid` in the catalogue's language with its `{name}` fields filled in."""
    return said.gettext(msgid).format(**values)
