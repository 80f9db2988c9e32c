"""Registration numbers by jurisdiction (pure: no Django).

- Mainland (Hengqin, Zhuhai, Guangzhou, Shenzhen, other GBA cities): the 18-character
  Unified Social Credit Code, GB 32100-2015, whose last character is a check character
  (python-stdnum's ``stdnum.cn.uscc``).
- Macao: the commercial registry (Conservatória dos Registos Comercial e de Bens Móveis)
  number, which has no public check digit: 1 to 6 digits, optionally followed by the
  letters SO (e.g. "12345" or "12345 SO").
- Hong Kong: the Business Registration number, 8 digits (the first 8 of the BR
  certificate's number), no public check digit.
- Elsewhere: any 3 to 32 letters, digits, spaces, hyphens, slashes or dots.
"""

from __future__ import annotations

import re

from stdnum.cn import uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

MAINLAND = frozenset({"hengqin", "zhuhai", "guangzhou", "shenzhen", "other_gba"})
_MACAO = re.compile(r"^\d{1,6}(\s?SO)?$")
_HONG_KONG = re.compile(r"^\d{8}$")
_OTHER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{2,31}$")


class RegistrationNumberError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # wrong_check_character | wrong_length | wrong_format


def normalise(jurisdiction: str, number: str) -> str:
    """Validate and return the canonical form; raise RegistrationNumberError otherwise."""
    raw = (number or "").strip().upper()
    if jurisdiction in MAINLAND:
        try:
            return str(uscc.validate(raw))
        except InvalidChecksum:
            raise RegistrationNumberError("wrong_check_character") from None
        except InvalidLength:
            raise RegistrationNumberError("wrong_length") from None
        except (InvalidFormat, InvalidComponent, ValidationError):
            raise RegistrationNumberError("wrong_format") from None
    if jurisdiction == "macao":
        compact = re.sub(r"\s+", " ", raw)
        if not _MACAO.match(compact):
            raise RegistrationNumberError("wrong_format")
        return compact.replace(" SO", "SO").replace("SO", " SO") if "SO" in compact else compact
    if jurisdiction == "hong_kong":
        compact = raw.replace("-", "").replace(" ", "")
        if not _HONG_KONG.match(compact):
            raise RegistrationNumberError("wrong_format")
        return compact
    if not _OTHER.match(raw):
        raise RegistrationNumberError("wrong_format")
    return raw
