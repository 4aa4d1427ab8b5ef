"""The webhook guard judges IPv6 forms by the IPv4 address they carry (issue 14).

Checked on :meth:`AddressPolicy.refuses`, which both the registration and send-time
check (:func:`check_target`) and the connection's peer check use.
"""

from __future__ import annotations

import pytest

from civic.connectors.webhooks.guard import AddressPolicy, TargetRefused, check_target

REFUSED = {
    "2002:7f00:1::1": "loopback",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1": "link-local",  # 6to4 of 169.254.169.254
    "2002:c0a8:101::1": "private",  # 6to4 of 192.168.1.1
    "fec0::1": "site-local",
    "feff:ffff::1": "site-local",
    "64:ff9b::7f00:1": "loopback",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:1": "private",  # NAT64 of 10.0.0.1
    "64:ff9b:1::a9fe:a9fe": "local-use NAT64",
    "::ffff:169.254.169.254": "link-local",  # IPv4-mapped
    "::ffff:7f00:1": "loopback",
    "::127.0.0.1": "loopback",  # IPv4-compatible
    "::ffff:0:a00:1": "private",  # IPv4-translated (SIIT)
    "2001:0:4136:e378:8000:63bf:80ff:fffe": "Teredo",
    "2001::1": "Teredo",
}
ALLOWED = ("2002:5db8:d70e::1", "64:ff9b::5db8:d70e", "::ffff:93.184.215.14", "2606:4700::1")


@pytest.mark.parametrize(("address", "kind"), REFUSED.items())
def test_an_ipv6_form_of_an_internal_address_is_refused(address: str, kind: str) -> None:
    reason = AddressPolicy().refuses(address)
    assert reason is not None and kind in reason, reason


@pytest.mark.parametrize("address", ALLOWED)
def test_the_same_forms_of_a_public_address_are_allowed(address: str) -> None:
    assert AddressPolicy().refuses(address) is None


def test_a_name_that_resolves_to_a_6to4_loopback_is_refused() -> None:
    with pytest.raises(TargetRefused, match=r"loopback address \(127\.0\.0\.1\) inside a 6to4"):
        check_target(
            "https://hooks.example.org/x",
            AddressPolicy(),
            resolver=lambda host, port: ["93.184.215.14", "2002:7f00:1::1"],
        )


def test_the_test_settings_allow_everything() -> None:
    assert AddressPolicy(allow_private=True).refuses("2002:7f00:1::1") is None
