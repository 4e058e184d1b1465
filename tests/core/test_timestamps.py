"""Timestamps are stored as instants and always read back as aware UTC datetimes, whatever
zone they were written in, on both databases (core.db.UTCDateTime)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core.db import UTCDateTime
from core.models import Partner
from core.platform import Platform
from core.testing import make_partner
from tests.conftest import World


async def test_a_timestamp_written_in_any_zone_is_read_as_the_same_instant_in_utc(platform: Platform, world: World) -> None:
    partner = await make_partner(platform, "utrecht", "Tijdzone")
    written = dt.datetime(2026, 7, 1, 14, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    async with platform.work_as_system("utrecht", "test") as work:
        await work.session.execute(update(Partner).where(Partner.id == partner.id).values(created_at=written, updated_at=written))
        await work.commit()
    async with platform.work_as_system("utrecht", "test") as work:
        entity = (await work.session.execute(select(Partner).where(Partner.id == partner.id))).scalar_one()
        row = (await work.session.execute(select(Partner.created_at, Partner.updated_at).where(Partner.id == partner.id))).one()
    for value in (entity.created_at, row.created_at, row.updated_at):
        assert value == written and value.tzinfo is dt.UTC
        assert (value.hour, value.microsecond) == (12, 123456)


def test_the_type_refuses_a_naive_datetime_and_reads_every_form_as_utc() -> None:
    timestamp = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        timestamp.process_bind_param(dt.datetime(2026, 1, 1), None)
    utc = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    assert timestamp.process_result_value(None, None) is None
    assert timestamp.process_result_value(utc, None) is utc  # already so: as it is
    for value in (utc.replace(tzinfo=None), utc.astimezone(dt.timezone(dt.timedelta(hours=-5)))):
        read = timestamp.process_result_value(value, None)
        assert read == utc and read.tzinfo is dt.UTC
