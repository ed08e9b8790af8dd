"""What public pages, open-data exports and the verification API may show of a licence holder.

One function, `mask`, serves them all. For an organisation nothing changes. For a natural person nothing
public carries their name, ID number or phone number in any field: the holder is masked ("李**"), the
station name becomes the masked holder and the station type ("李**的业余电台"), the call sign and the
coordinates are left out, the address keeps its first characters, and any other text that quotes the
name, ID or phone is masked as well.
"""
from dataclasses import dataclass

from .identifiers import mask_id, mask_name, mask_phone

HIDDEN = None       # a value `mask` returns for a field to leave out

# The role of each field, under the names the pages, exports and API use for it.
ROLES = {
    "holder": "holder", "持证人": "holder",
    "holder_code": "holder_code", "统一社会信用代码/身份证号": "holder_code",
    "station": "station_name", "station_name": "station_name", "台站名称": "station_name",
    "call_sign": "call_sign", "呼号": "call_sign",
    "place": "address", "address": "address", "台址": "address",
    "台址坐标": "coordinates", "经度": "coordinates", "纬度": "coordinates",
    "longitude": "coordinates", "latitude": "coordinates",
}
ADDRESS_KEEP = 6


@dataclass(frozen=True)
class Person:
    """A natural-person holder's own data, the strings no public output may carry."""
    name: str
    id_code: str = ""
    phone: str = ""

    @property
    def masked_name(self) -> str:
        return mask_name(self.name) if self.name else "—"

    def scrub(self, text: str) -> str:
        """`text` with the person's name, ID number and phone number masked wherever they appear."""
        for secret, masked in ((self.id_code, mask_id), (self.phone, mask_phone), (self.name, mask_name)):
            secret = (secret or "").strip()
            if len(secret) >= 2 and secret in text:
                text = text.replace(secret, masked(secret))
        return text


def person_of(kind: str | None, name: str | None, id_code: str | None = "", phone: str | None = "") -> Person | None:
    """The Person to protect, or None for an organisation (whose registered data is public)."""
    if kind != "person":
        return None
    return Person(name or "", id_code or "", phone or "")


def mask(values: dict, person: Person | None, *, station_type: str = "") -> dict:
    """The public form of `values` (field name -> value); fields that must not be shown are dropped.

    `station_type` (its display name) replaces a person's station name.
    """
    if person is None:
        return dict(values)
    out = {}
    for key, value in values.items():
        role = ROLES.get(key)
        if role == "holder":
            value = person.masked_name
        elif role == "holder_code":
            value = mask_id(value) if value else value
        elif role == "station_name":
            value = f"{person.masked_name}的{station_type}" if station_type else person.masked_name
        elif role in ("call_sign", "coordinates"):
            continue
        elif role == "address" and isinstance(value, str) and len(value) > ADDRESS_KEEP:
            value = value[:ADDRESS_KEEP] + "…"
        if isinstance(value, str):
            value = person.scrub(value)
        out[key] = value
    return out
