"""On SQLite a UUID is stored as its 32 hex digits and read back by a shorter path than
`uuid.UUID(hex)` (core.db._TextUuid): the same UUIDs, and anything else read as before."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from core.db import _TextUuid
from core.models import Partner
from core.platform import Platform
from core.testing import make_partner
from tests.conftest import World


def reader() -> object:
    return _TextUuid().result_processor(sqlite.dialect(), None)


@pytest.mark.parametrize("value", [uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID("ABCDEF00-0000-4000-8000-0000000000FF")])
def test_32_hex_digits_read_as_the_uuid_they_came_from(value: uuid.UUID) -> None:
    for stored in (value.hex, value.hex.upper()):
        read = reader()(stored)  # type: ignore[operator]
        assert type(read) is uuid.UUID and read == value and hash(read) == hash(value)
        assert (str(read), read.hex, read.int, read.version, read.is_safe) == (str(value), value.hex, value.int, value.version, uuid.SafeUUID.unknown)
        with pytest.raises(TypeError):
            read.int = 1  # type: ignore[misc]  # immutable, as every UUID


@pytest.mark.parametrize("stored", ["{12345678-1234-5678-1234-567812345678}", "12345678-1234-5678-1234-567812345678", "urn:uuid:12345678123456781234567812345678"])
def test_other_forms_are_read_as_sqlalchemy_reads_them(stored: str) -> None:
    assert reader()(stored) == uuid.UUID(stored)  # type: ignore[operator]


@pytest.mark.parametrize("stored", ["0x" + "1" * 30, "+" + "1" * 31, "1_" + "2" * 30, " " + "a" * 31, "g" * 32, "1" * 31])
def test_what_is_not_32_hex_digits_goes_the_way_it_went(stored: str) -> None:
    """Not the short path's: what `uuid.UUID` makes of it (a prefix or a sign it takes),
    or its error."""
    try:
        expected: object = uuid.UUID(stored)
    except ValueError as error:
        expected = type(error)
    try:
        got: object = reader()(stored)  # type: ignore[operator]
    except ValueError as error:
        got = type(error)
    assert got == expected


def test_an_id_read_again_is_the_same_object_and_the_memory_of_them_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from core import db

    read, value = reader(), uuid.uuid4()
    first = read(value.hex)  # type: ignore[operator]
    assert read(value.hex) is first and read(value.hex.upper()) == first  # type: ignore[operator]
    monkeypatch.setattr(db, "_READ_UUIDS_LIMIT", 50)
    many = [uuid.uuid4() for _ in range(120)]
    assert [read(item.hex) for item in many] == many  # type: ignore[operator]
    assert 0 < len(db._READ_UUIDS) <= 50


def test_none_stays_none() -> None:
    assert reader()(None) is None  # type: ignore[operator]


async def test_ids_read_from_the_database_are_uuids(platform: Platform, world: World) -> None:
    partner = await make_partner(platform, "utrecht", "Kenmerk")
    async with platform.work_as_system("utrecht", "test") as work:
        row = (await work.session.execute(select(Partner.id, Partner.tenant_id).where(Partner.id == partner.id))).one()
    # PostgreSQL's driver has a UUID type of its own (a uuid.UUID); SQLite's ids come from the text.
    assert isinstance(row.id, uuid.UUID) and row.id == partner.id and row.tenant_id == world.utrecht.id
    assert hash(row.id) == hash(partner.id) and {row.id: 1}.get(uuid.UUID(str(partner.id))) == 1
