"""The translation catalogue: what JupyterLab loads, and the server's own words in Japanese."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jupyterlab_server.translation_utils import get_language_pack

from jupyter_costwidget.i18n import (
    ENGLISH,
    Text,
    environment_language,
    is_translated,
    normalize,
    say,
    translate,
    translations,
)
from jupyter_costwidget.magics.view import display_width

ROOT = Path(__file__).resolve().parent.parent
JA = translations("ja_JP")


def test_jupyterlab_finds_the_catalogue_through_the_entry_point():
    # jupyterlab_server merges packages registered under `jupyterlab.locale` into the
    # language pack it serves at /lab/api/translations/ja_JP.
    packs, message = get_language_pack("ja_JP")
    assert message == ""
    ours = packs["jupyter_costwidget"]
    assert ours[""]["domain"] == "jupyter_costwidget"
    assert ours[""]["language"] == "ja-JP"
    assert ours["Stop when done"] == ["完了後に停止"]
    # JupyterLab uses a plural entry only when it holds two or more forms.
    assert ours["%1 critical warning"] == ["重大な警告 %1 件", ""]
    # JupyterLab's own strings come from the language pack beside it.
    assert "jupyterlab" in packs


def test_the_catalogue_is_complete_and_compiled():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "i18n.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_text_is_its_english_and_says_itself_again_in_japanese():
    inner = Text("{n} days", n="9.0")
    text = Text(
        "Canvas of {owner} has been running for {age} ({cost}). Canvas bills {rate} until its "
        "owner logs out or an admin deletes the app.",
        owner="bob",
        age=inner,
        cost=Text("about ${amount} so far", amount="410.40"),
        rate=Text("${amount}/h", amount="1.90"),
    )
    assert text == (
        "Canvas of bob has been running for 9.0 days (about $410.40 so far). Canvas bills "
        "$1.90/h until its owner logs out or an admin deletes the app."
    )
    assert json.dumps({"m": text}) == json.dumps({"m": str(text)})
    assert text.translate(JA) == (
        "bob の Canvas が 9.0 日 動き続けています (これまで約 $410.40)。Canvas は所有者が"
        "ログアウトするか管理者がアプリを削除するまで $1.90/時 課金されます。"
    )
    assert translate("plain", JA) == "plain"


@pytest.mark.parametrize(
    ("language", "translated"),
    [
        ("ja-JP", True),
        ("ja_JP", True),
        ("ja_JP.UTF-8", True),
        ("ja", True),
        ("en", False),
        ("en-US", False),
        ("fr", False),
        ("C.UTF-8", False),
        ("", False),
        (None, False),
    ],
)
def test_languages_with_and_without_a_catalogue(language, translated):
    assert is_translated(language) is translated
    expected = "完了後に停止: 取り消しました。" if translated else "Stop when done: cancelled."
    assert say(translations(language), "Stop when done: cancelled.") == expected


def test_normalize():
    assert normalize("ja-JP") == "ja_JP"
    assert normalize("ja_JP.UTF-8@x") == "ja_JP"
    assert normalize("en_GB") is None
    assert normalize("POSIX") is None


def test_the_environment_language_follows_gettexts_order():
    assert environment_language({"LANG": "ja_JP.UTF-8"}) == "ja_JP.UTF-8"
    assert environment_language({"LANG": "en_US.UTF-8", "LC_ALL": "ja_JP.UTF-8"}) == "ja_JP.UTF-8"
    assert environment_language({"LANGUAGE": "ja:en", "LC_ALL": "C"}) == "ja"
    assert environment_language({"LC_MESSAGES": "ja_JP", "LANG": "en"}) == "ja_JP"
    assert environment_language({}) is None


def test_english_is_the_null_catalogue():
    assert translations("en") is ENGLISH
    assert say(ENGLISH, "{n} min", n=3) == "3 min"


def test_display_width_counts_wide_characters_twice():
    assert display_width("abc") == 3
    assert display_width("自分") == 4
    assert display_width("$/時") == 4
