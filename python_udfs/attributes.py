"""Attributes read from a product description: pack size, colour and design theme.

Each has a scalar function for Python callers and a vectorised `*_batch` version (pyarrow
compute, RE2 regular expressions) for the Spark UDFs. The scalar functions call the batch
ones, so both always agree. Only the first `MAX_CHARS` characters are read.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from python_udfs.classify import MAX_CHARS, text_array

_NUMBER_WORDS = {
    "ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5, "SIX": 6, "SEVEN": 7, "EIGHT": 8,
    "NINE": 9, "TEN": 10, "ELEVEN": 11, "TWELVE": 12,
}  # fmt: skip
_NUMBER = r"\d{1,3}|" + "|".join(_NUMBER_WORDS)

# "SET OF 3", "PACK OF 12", "BOX OF 6", "SET/4", "SET 2", "PACK/12", "PK OF 2", "SET4";
# "S/3"; "11 PC", "18PC", "3 PIECE", "EIGHT PIECE"; "PAIR" (2). Leftmost match wins.
PACK_PATTERN = (
    rf"\b(?:SET|PACK|PK|BOX)\s*(?:OF\s*)?/?\s*(?P<container>{_NUMBER})\b"
    rf"|\bS/(?P<short>\d{{1,3}})\b"
    rf"|\b(?P<pieces>{_NUMBER})\s*(?:PCS|PC|PIECES|PIECE)\b"
    rf"|\b(?P<pair>PAIR)\b"
)

# Colour words, first one in the text wins (spelling variants -> one name).
COLOURS: dict[str, str] = {
    **{c: c.lower() for c in (
        "RED", "PINK", "BLUE", "WHITE", "IVORY", "CREAM", "BLACK", "GREEN", "YELLOW",
        "ORANGE", "PURPLE", "LILAC", "SILVER", "GOLD", "BROWN", "TURQUOISE", "AQUA",
        "BEIGE", "NAVY", "MAGENTA", "CERISE", "BURGUNDY", "TEAL", "CORAL", "AMBER",
        "KHAKI", "SCARLET", "VIOLET", "INDIGO", "MAUVE", "GREY", "FUCHSIA", "MULTICOLOUR",
    )},
    "GRAY": "grey", "TURQ": "turquoise", "TURQUOIS": "turquoise", "FUSCHIA": "fuchsia",
    "MULTI COLOUR": "multicolour", "MULTICOLOURED": "multicolour", "MULTICOLORED": "multicolour",
}  # fmt: skip

# Design ranges and motifs the retailer names its products after.
THEMES: dict[str, str] = {
    "RETROSPOT": "retrospot", "RETRO SPOT": "retrospot", "POLKADOT": "polkadot",
    "POLKADOTS": "polkadot", "POLKA DOT": "polkadot", "POLKA DOTS": "polkadot",
    "VINTAGE": "vintage", "CHRISTMAS": "christmas", "XMAS": "christmas",
    "REGENCY": "regency", "PAISLEY": "paisley", "PAISELY": "paisley",
    "SPACEBOY": "spaceboy", "SPACE BOY": "spaceboy", "DOLLY GIRL": "dolly girl",
    "DOLLYGIRL": "dolly girl", "WOODLAND": "woodland", "SKULL": "skulls", "SKULLS": "skulls",
    "SUKI": "suki", "PANTRY": "pantry", "DOILY": "doily", "DOILEY": "doily",
    "DOILIES": "doily", "BAROQUE": "baroque", "ENGLISH ROSE": "english rose",
    "CIRCUS PARADE": "circus parade", "CHARLIE LOLA": "charlie and lola",
    "CHARLIE AND LOLA": "charlie and lola", "UNION JACK": "union jack",
    "UNION FLAG": "union jack", "EASTER": "easter", "HALLOWEEN": "halloween",
    "LOVEBIRD": "love bird", "LOVEBIRDS": "love bird", "LOVE BIRD": "love bird",
    "LOVE BIRDS": "love bird", "GINGHAM": "gingham", "BABUSHKA": "babushka",
    "RUSSIAN DOLL": "babushka", "BOTANICAL": "botanical", "FAIRY CAKE": "fairy cake",
    "FAIRY CAKES": "fairy cake", "TEATIME": "teatime", "TEA TIME": "teatime",
    "FOLKART": "folkart", "FOLK ART": "folkart", "SWEETHEART": "sweetheart",
    "ALPHABET": "alphabet", "CAROUSEL": "carousel", "MAGIC GARDEN": "magic garden",
    "KEEP CALM": "keep calm", "KASHMIRI": "kashmiri", "KASHMIR": "kashmiri",
    "SCANDINAVIAN": "scandinavian", "STRAWBERRY": "strawberry", "SPOTTY": "spotty",
    "LONDON": "london", "PARIS": "paris", "PARISIENNE": "paris", "EDWARDIAN": "edwardian",
    "VICTORIAN": "victorian", "GEISHA GIRL": "geisha girl", "TUTTI FRUTTI": "tutti frutti",
    "FLOWER FAIRY": "flower fairy", "DINOSAUR": "dinosaur", "DINOSAURS": "dinosaur",
}  # fmt: skip


def _upper(descriptions: pd.Series | list | pa.Array) -> pa.Array:
    """Upper-cased text with runs of whitespace collapsed; missing values as ""."""
    text = pc.utf8_slice_codeunits(text_array(descriptions), 0, MAX_CHARS)
    return pc.replace_substring_regex(pc.utf8_upper(text), r"\s+", " ")


def _words(descriptions: pd.Series | list | pa.Array) -> pa.Array:
    """Upper-case words separated by single spaces (apostrophes dropped, punctuation gone)."""
    text = pc.replace_substring_regex(_upper(descriptions), "['\u2019`]", "")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"[^\p{L}\p{N}]+", " "))


def _first_of(words: pa.Array, variants: dict[str, str]) -> pd.Series:
    """The canonical name of the leftmost variant found as whole words, else None."""
    alternatives = "|".join(sorted(variants, key=lambda v: (-len(v), v)))
    found = pc.extract_regex(words, rf"(?:^| )(?P<m>{alternatives})(?: |$)").field("m")
    keys = pa.array(list(variants), pa.string())
    names = pa.array(list(variants.values()), pa.string())
    return pc.take(names, pc.index_in(found, value_set=keys)).to_pandas()


def pack_size_batch(descriptions: pd.Series) -> pd.Series:
    """Pack size per description (nullable Int32): SET OF 3 -> 3, PAIR -> 2, none -> <NA>."""
    index = descriptions.index if isinstance(descriptions, pd.Series) else None
    match = pc.extract_regex(_upper(descriptions), PACK_PATTERN)
    number = match.field("container")
    for name in ("short", "pieces"):
        part = match.field(name)
        number = pc.if_else(pc.equal(number, ""), part, number)
    pair = pc.equal(match.field("pair"), "PAIR")
    number = pc.if_else(pc.and_(pc.equal(number, ""), pair), "2", number)
    words = pa.array(list(_NUMBER_WORDS), pa.string())
    values = pa.array([str(v) for v in _NUMBER_WORDS.values()], pa.string())
    spelled = pc.take(values, pc.index_in(number, value_set=words))
    number = pc.coalesce(spelled, number)
    number = pc.if_else(pc.equal(number, ""), pa.scalar(None, pa.string()), number)
    sizes = pc.cast(number, pa.int32())
    sizes = pc.if_else(pc.greater(sizes, 0), sizes, pa.scalar(None, pa.int32()))
    sizes = sizes.to_pandas(types_mapper={pa.int32(): pd.Int32Dtype()}.get)
    return pd.Series(sizes.array, index=index)


def colour_batch(descriptions: pd.Series) -> pd.Series:
    """First colour word per description, lower-case (object dtype, None when there is none)."""
    index = descriptions.index if isinstance(descriptions, pd.Series) else None
    return pd.Series(_first_of(_words(descriptions), COLOURS).to_numpy(), index=index)


def theme_batch(descriptions: pd.Series) -> pd.Series:
    """First design theme per description, lower-case (object dtype, None when there is none)."""
    index = descriptions.index if isinstance(descriptions, pd.Series) else None
    return pd.Series(_first_of(_words(descriptions), THEMES).to_numpy(), index=index)


def _one(batch, description: object) -> object:
    value = batch(pd.Series([description], dtype=object)).iat[0]
    return None if pd.isna(value) else value


def pack_size(description: object) -> int | None:
    """How many items the description says come together ("SET OF 3" -> 3), else None."""
    value = _one(pack_size_batch, description)
    return None if value is None else int(value)


def colour(description: object) -> str | None:
    """The first colour word of the description, lower-case ("red", "ivory"), else None."""
    return _one(colour_batch, description)


def theme(description: object) -> str | None:
    """The first design theme of the description, lower-case ("retrospot"), else None."""
    return _one(theme_batch, description)
