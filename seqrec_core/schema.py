"""Canonical column names, the event-type vocabulary and the alias tables.

Everything that ingests data speaks this vocabulary: raw column names are mapped
onto the canonical fields below with `guess_field`, raw event words onto the
canonical event types with `normalize_event_type`.
"""

from __future__ import annotations

import re
from typing import Final

# Required per event.
USER_ID: Final = "user_id"
ITEM_ID: Final = "item_id"
TIMESTAMP: Final = "timestamp"
REQUIRED_FIELDS: Final = (USER_ID, ITEM_ID, TIMESTAMP)

# Optional per event.
EVENT_TYPE: Final = "event_type"
EVENT_FIELDS: Final = (
    USER_ID,
    ITEM_ID,
    TIMESTAMP,
    EVENT_TYPE,
    "session_id",
    "quantity",
    "price",
    "query",
    "rating",
    "invoice_id",
)

# Optional per item: found inline in the event log or in a separate catalog file.
CATALOG_FIELDS: Final = (
    "title",
    "category",
    "category_id",
    "brand",
    "price",
    "attributes",
)

# Every field a source column can be mapped to ("" means: keep as an extra column).
ALL_FIELDS: Final = tuple(dict.fromkeys(EVENT_FIELDS + CATALOG_FIELDS))

# Canonical event types, in funnel order.
EVENT_TYPES: Final = ("view", "click", "fav", "cart", "remove_from_cart", "purchase")
FUNNEL: Final = ("view", "cart", "purchase")

CATEGORY_SEPARATOR: Final = " > "

_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    USER_ID: (
        "userid",
        "user",
        "users",
        "visitorid",
        "visitor",
        "customerid",
        "customer",
        "customerno",
        "reviewerid",
        "uid",
        "clientid",
        "client",
        "memberid",
        "buyerid",
        "shopperid",
        "accountid",
        "personid",
    ),
    ITEM_ID: (
        "itemid",
        "item",
        "items",
        "productid",
        "product",
        "sku",
        "stockcode",
        "parentasin",
        "asin",
        "movieid",
        "movie",
        "articleid",
        "goodsid",
        "offerid",
        "iid",
        "contentid",
        "productcode",
        "itemcode",
    ),
    TIMESTAMP: (
        "timestamp",
        "time",
        "ts",
        "eventtime",
        "datetime",
        "date",
        "invoicedate",
        "unixreviewtime",
        "eventtimestamp",
        "createdat",
        "orderdate",
        "occurredat",
        "eventdate",
        "unixtime",
        "epoch",
        "reviewtime",
    ),
    EVENT_TYPE: (
        "eventtype",
        "event",
        "behaviortype",
        "behavior",
        "behaviour",
        "behaviourtype",
        "action",
        "actiontype",
        "interaction",
        "interactiontype",
        "type",
        "eventname",
    ),
    "session_id": ("sessionid", "session", "usersession", "visitid"),
    "quantity": ("quantity", "qty", "units"),
    "price": ("price", "unitprice", "itemprice", "saleprice"),
    "query": ("query", "searchquery", "searchterm", "keyword", "keywords"),
    "rating": ("rating", "ratings", "stars", "overall", "score"),
    "invoice_id": (
        "invoiceno",
        "invoice",
        "invoiceid",
        "invoicenumber",
        "orderid",
        "transactionid",
    ),
    "title": (
        "title",
        "name",
        "productname",
        "itemname",
        "producttitle",
        "description",
    ),
    "category": (
        "category",
        "categorycode",
        "categorypath",
        "categoryname",
        "categories",
        "maincat",
    ),
    "category_id": ("categoryid", "catid", "categoryids"),
    "brand": ("brand", "brandname", "manufacturer", "vendor"),
    "attributes": ("attributes", "attribute", "tags", "features"),
}

_ALIAS_TO_FIELD: Final[dict[str, str]] = {
    alias: field for field, aliases in _ALIASES.items() for alias in aliases
}

_EVENT_SYNONYMS: Final[dict[str, str]] = {
    **dict.fromkeys(
        ("view", "views", "viewed", "pv", "pageview", "productview", "detail", "visit"),
        "view",
    ),
    **dict.fromkeys(("click", "clicks", "clicked"), "click"),
    **dict.fromkeys(
        (
            "fav",
            "favs",
            "favorite",
            "favourite",
            "like",
            "wishlist",
            "addtowishlist",
            "save",
        ),
        "fav",
    ),
    **dict.fromkeys(
        ("cart", "addtocart", "addcart", "atc", "basket", "addtobasket", "carted"),
        "cart",
    ),
    **dict.fromkeys(("removefromcart", "removecart", "cartremove"), "remove_from_cart"),
    **dict.fromkeys(
        (
            "purchase",
            "purchased",
            "buy",
            "bought",
            "transaction",
            "order",
            "checkout",
            "sale",
        ),
        "purchase",
    ),
}

# Suffixes RecBole's atomic files put on header names (`user_id:token`).
_ATOMIC_SUFFIX: Final = re.compile(r":(token|token_seq|float|float_seq)$", re.IGNORECASE)


def normalize_name(name: str) -> str:
    """Lower-case a column name or event word and drop everything but letters and digits."""
    return re.sub(r"[^0-9a-z]", "", _ATOMIC_SUFFIX.sub("", str(name)).lower())


def strip_atomic_suffix(name: str) -> str:
    """`user_id:token` → `user_id`; other names unchanged."""
    return _ATOMIC_SUFFIX.sub("", name)


def has_atomic_suffix(name: str) -> bool:
    """Whether a header name carries a RecBole type suffix."""
    return bool(_ATOMIC_SUFFIX.search(name))


def guess_field(column: str) -> str | None:
    """The canonical field a raw column name stands for, or None if it is not known."""
    return _ALIAS_TO_FIELD.get(normalize_name(column))


def alias_priority(field: str, column: str) -> int:
    """Rank of a column name among a field's aliases (0 is the most specific)."""
    aliases = _ALIASES.get(field, ())
    name = normalize_name(column)
    return aliases.index(name) if name in aliases else len(aliases)


def normalize_event_type(raw: str) -> str | None:
    """The canonical event type of a raw event word, or None if the word is unknown."""
    return _EVENT_SYNONYMS.get(normalize_name(raw))


def event_synonyms() -> dict[str, str]:
    """A copy of the synonym table (normalised raw word → canonical type)."""
    return dict(_EVENT_SYNONYMS)
