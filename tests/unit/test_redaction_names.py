"""Short password names (PW, PWD, PASS) are masked too, without masking every word."""

from __future__ import annotations

import pytest

from launcher.core.redaction import MASK, Redactor, is_secret_name, mask_secret_keys


@pytest.mark.parametrize(
    "name",
    ["NB_PW", "PW", "PWD", "db.pwd", "PASS", "proxy_pass", "PGPASS", "X-PASS-1", "PASSWD",
     "MY_SECRET", "aws_access_key_id", "Api-Key"],
)  # fmt: skip
def test_password_style_names_are_secret(name: str) -> None:
    assert is_secret_name(name)
    assert Redactor()(f"{name}=value123 and more") == f"{name}={MASK} and more"
    assert Redactor()(f'{{"{name}": "value123"}}') == f'{{"{name}": "{MASK}"}}'
    assert mask_secret_keys({name: "value123"}) == {name: MASK}


@pytest.mark.parametrize("name", ["HOME", "PATH", "PASSAGE", "PWDX", "SPW2", "COURSE"])
def test_other_names_are_left_alone(name: str) -> None:
    assert not is_secret_name(name)
    assert Redactor()(f"{name}=value123") == f"{name}=value123"
