"""`retail users`: the users file the Thrift Server's authenticator reads (no Spark)."""

from __future__ import annotations

import base64
import stat

import pytest

from retail_analytics import users
from retail_analytics.cli import main


def test_add_stores_a_salted_hash_never_the_password(tmp_path):
    path = tmp_path / "users"
    users.add("ann", "bi", "correct horse", path)
    users.add("bob", "bi", "correct horse", path)
    text = path.read_text()
    assert "correct horse" not in text
    stored = users.read(path)
    assert stored["ann"].salt != stored["bob"].salt
    assert stored["ann"].digest != stored["bob"].digest  # same password, different hash
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert users.verify("ann", "correct horse", path)
    assert not users.verify("ann", "correct horsE", path)
    assert not users.verify("nobody", "correct horse", path)


def test_a_line_is_what_the_java_authenticator_parses(tmp_path):
    path = tmp_path / "users"
    users.add("dbt", "dbt", "long enough", path)
    line = path.read_text().splitlines()[-1]
    name, role, algorithm, iterations, salt, digest = line.split(":")
    assert (name, role, algorithm) == ("dbt", "dbt", "pbkdf2_sha256")
    assert int(iterations) >= 100_000
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32


def test_adding_again_replaces_and_remove_removes(tmp_path):
    path = tmp_path / "users"
    users.add("ann", "bi", "first password", path)
    users.add("ann", "dbt", "second password", path)
    assert users.read(path)["ann"].role == "dbt"
    assert users.verify("ann", "second password", path)
    assert users.remove("ann", path)
    assert not users.remove("ann", path)
    assert users.read(path) == {}


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("ann", "admin", "long enough", "unknown role"),
        ("a:b", "bi", "long enough", "invalid user name"),
        ("ann", "bi", "short", "at least"),
    ],
)
def test_bad_users_are_refused(tmp_path, name, role, password, message):
    with pytest.raises(users.UsersError, match=message):
        users.add(name, role, password, tmp_path / "users")


def test_the_cli_reads_the_password_from_stdin(tmp_path, monkeypatch, capsys):
    import io

    path = tmp_path / "users"
    monkeypatch.setenv("RETAIL_USERS_FILE", str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a fine password\n"))
    assert main(["users", "add", "ann", "--role", "bi", "--password-stdin"]) == 0
    assert users.verify("ann", "a fine password", path)
    assert main(["users", "list"]) == 0
    assert "ann\tbi" in capsys.readouterr().out
