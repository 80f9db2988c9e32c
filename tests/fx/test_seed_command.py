"""``manage.py fx_seed``: the seeded channels and limit parameters, once, then never again."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from bayfin.common.models import AuditEvent
from bayfin.fx.models import Channel, LimitParameterSet
from bayfin.fx.seed import CHANNELS, LIMIT_PARAMETER_SETS


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_fx_seed_creates_the_channels_and_parameters_and_says_which(db):
    out = run("fx_seed")
    assert Channel.objects.count() == len(CHANNELS)
    assert set(LimitParameterSet.objects.values_list("effective_from", flat=True)) == {
        p["effective_from"] for p in LIMIT_PARAMETER_SETS}
    assert f"Created {len(CHANNELS)} channel(s)" in out
    for seed in CHANNELS:
        assert seed["code"] in out
    for params in LIMIT_PARAMETER_SETS:
        assert f"in force from {params['effective_from']}" in out
    assert AuditEvent.objects.filter(action="fx.channel_seed").count() == len(CHANNELS)
    assert AuditEvent.objects.filter(action="fx.limit_parameters_seed").count() == len(LIMIT_PARAMETER_SETS)


def test_fx_seed_twice_creates_nothing_the_second_time(db):
    run("fx_seed")
    before = (Channel.objects.count(), LimitParameterSet.objects.count(), AuditEvent.objects.count())
    out = run("fx_seed")
    assert "Nothing to create" in out and "Created" not in out
    assert (Channel.objects.count(), LimitParameterSet.objects.count(), AuditEvent.objects.count()) == before


def test_fx_seed_leaves_the_operators_changes_alone(db):
    run("fx_seed")
    channel = Channel.objects.get(code=CHANNELS[0]["code"])
    Channel.objects.filter(pk=channel.pk).update(name_en="Renamed by an operator", active=False)
    run("fx_seed")
    channel.refresh_from_db()
    assert (channel.name_en, channel.active) == ("Renamed by an operator", False)
    assert Channel.objects.count() == len(CHANNELS)
