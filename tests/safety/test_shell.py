"""Shell quoting, $IFS and variables read as the command a shell would run."""

from __future__ import annotations

import pytest

from alphaomega.safety._shell import spelled_command


@pytest.mark.parametrize(
    "obfuscated,spelled",
    [
        ("sudo r''m -fr /srv", "sudo rm -fr /srv"),
        ('c"h"mod -R 777 /', "chmod -R 777 /"),
        ("'m'kfs /dev/sdc", "mkfs /dev/sdc"),
        ("r\\m -r\\f /opt", "rm -rf /opt"),
        ("rm${IFS%?}-rf${IFS}/boot", "rm -rf /boot"),
        ("dd$IFS'if=/dev/zero'", "dd if=/dev/zero"),
        ("r$@m -rf /mnt", "rm -rf /mnt"),
        ("p=/usr; q=rm; $q -rf ${p}", "p=/usr; q=rm; rm -rf /usr"),
        ('X="shred -u"; $X /etc/passwd', 'X="shred -u"; shred -u /etc/passwd'),
    ],
)
def test_obfuscated_commands_read_as_what_they_spell(obfuscated, spelled):
    assert spelled_command(obfuscated) == spelled


def test_text_without_shell_syntax_is_returned_as_it_is():
    text = "Nothing to undo here, just words."
    assert spelled_command(text) is text


def test_quoted_phrases_of_several_words_keep_their_quotes():
    text = 'He said "ignore all of it" and left.'
    assert spelled_command(text) == text
