"""Every common public export shape is auto-mapped and ingested without a manual step."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd

from seqrec_core.ingest.pipeline import ingest, preview_source
from seqrec_core.store import Workspace
from tests.support.helpers import write_text as _write


def test_retailrocket_shape(ws: Workspace, tmp_path: Path) -> None:
    src = _write(
        tmp_path / "events.csv",
        "timestamp,visitorid,event,itemid,transactionid\n"
        "1433221332117,257597,view,355908,\n"
        "1433224214164,992329,view,248676,\n"
        "1433221999827,111016,addtocart,318965,\n"
        "1433221955914,111016,transaction,318965,4000\n",
    )
    result = ingest(src, ws, "rr")
    report = result.report
    assert report.column_mapping == {
        "timestamp": "timestamp",
        "visitorid": "user_id",
        "event": "event_type",
        "itemid": "item_id",
        "transactionid": "invoice_id",
    }
    assert report.rows_accepted == 4
    assert report.events_by_type == {"view": 2, "cart": 1, "purchase": 1}
    assert report.timestamp_format == "epoch milliseconds"
    events = ws.read_events("rr")
    first = events[events.user_id == "257597"].iloc[0]
    assert str(first.timestamp) == "2015-06-02 05:02:12.117000"
    assert set(events.event_type_raw) == {"view", "addtocart", "transaction"}


def test_taobao_headerless_shape(ws: Workspace, tmp_path: Path) -> None:
    src = _write(
        tmp_path / "UserBehavior.csv",
        "1,2268318,2520377,pv,1511544070\n"
        "1,2333346,2520771,pv,1511561733\n"
        "1,2576651,149192,buy,1511572885\n"
        "100,1603476,2951233,cart,1511587391\n"
        "100,2971043,4869428,fav,1511754806\n",
    )
    preview = preview_source(src)
    assert not preview.has_header
    assert preview.mapping == {
        "column_1": "user_id",
        "column_2": "item_id",
        "column_3": "category_id",
        "column_4": "event_type",
        "column_5": "timestamp",
    }
    report = ingest(src, ws, "taobao").report
    assert report.rows_accepted == 5
    assert report.events_by_type == {"view": 2, "purchase": 1, "cart": 1, "fav": 1}
    assert report.timestamp_format == "epoch seconds"
    items = ws.read_items("taobao").set_index("item_id")
    assert items.loc["2268318", "category_id"] == "2520377"


def test_rees46_shape_with_dotted_category(ws: Workspace, tmp_path: Path) -> None:
    src = _write(
        tmp_path / "2019-Oct.csv",
        "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,"
        "user_session\n"
        "2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,"
        "541312140,72d76fde-8bb3-4e1f-9ec5-97a1b3a3e7d5\n"
        "2019-10-01 00:00:01 UTC,view,3900821,2053013552326770905,"
        "appliances.environment.water_heater,aqua,33.20,554748717,"
        "9333dfbd-b87a-4708-9857-6336556b0fcc\n"
        "2019-10-01 00:05:00 UTC,cart,3900821,2053013552326770905,"
        "appliances.environment.water_heater,aqua,33.20,554748717,"
        "9333dfbd-b87a-4708-9857-6336556b0fcc\n"
        "2019-10-01 00:09:00 UTC,remove_from_cart,3900821,2053013552326770905,"
        "appliances.environment.water_heater,aqua,33.20,554748717,"
        "9333dfbd-b87a-4708-9857-6336556b0fcc\n",
    )
    report = ingest(src, ws, "rees").report
    assert report.column_mapping["category_code"] == "category"
    assert report.column_mapping["user_session"] == "session_id"
    assert report.events_by_type == {"view": 2, "cart": 1, "remove_from_cart": 1}
    items = ws.read_items("rees").set_index("item_id")
    assert items.loc["3900821", "category"] == "appliances > environment > water_heater"
    assert items.loc["3900821", "brand"] == "aqua"
    assert items.loc["44600062", "category_id"] == "2103807459595387724"
    events = ws.read_events("rees")
    assert "brand" not in events.columns  # split off into the catalog
    assert events.price.tolist() == [35.79, 33.2, 33.2, 33.2]


def test_online_retail_shape(ws: Workspace, tmp_path: Path) -> None:
    src = _write(
        tmp_path / "Online Retail.csv",
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,"
        "United Kingdom\n"
        "536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom\n"
        "C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom\n"
        "536414,22139,,56,12/1/2010 11:52,0,,United Kingdom\n"
        "536532,84692,BOX OF 24 COCKTAIL PARASOLS,-3,12/13/2010 14:13,0.42,12433,Norway\n",
    )
    result = ingest(src, ws, "retail")
    report = result.report
    assert report.rows_read == 5
    assert report.rows_accepted == 2
    assert report.rejected_by_reason == {
        "missing_user_id": 1,
        "cancellation": 1,
        "return": 1,
    }
    assert report.events_by_type == {"purchase": 2}
    assert report.timestamp_format == "%m/%d/%Y %H:%M"
    lines = {r: [e.line for e in ex] for r, ex in report.examples.items()}
    assert lines == {"missing_user_id": [5], "cancellation": [4], "return": [6]}
    events = ws.read_events("retail")
    assert events.Country.tolist() == [
        "United Kingdom",
        "United Kingdom",
    ]  # carried through
    items = ws.read_items("retail").set_index("item_id")
    assert items.loc["85123A", "title"] == "WHITE HANGING HEART T-LIGHT HOLDER"
    rejected = ws.read_rejected("retail")
    assert rejected.line.tolist() == [4, 5, 6]
    assert rejected.InvoiceNo.tolist() == ["C536379", "536414", "536532"]


def test_amazon_2014_reviews_jsonl_gz(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        {
            "reviewerID": "A1YJEY40YUW4SE",
            "asin": "7806397051",
            "reviewerName": "Andrea",
            "overall": 1.0,
            "summary": "Don't waste your money",
            "unixReviewTime": 1391040000,
            "reviewTime": "01 30, 2014",
        },
        {
            "reviewerID": "A60XNB876KYML",
            "asin": "7806397051",
            "overall": 3.0,
            "summary": "OK Palette!",
            "unixReviewTime": 1397779200,
            "reviewTime": "04 18, 2014",
        },
    ]
    src = tmp_path / "reviews_Beauty_5.json.gz"
    src.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in rows).encode()))
    report = ingest(src, ws, "amazon14").report
    assert report.column_mapping["reviewerID"] == "user_id"
    assert report.column_mapping["asin"] == "item_id"
    assert report.column_mapping["unixReviewTime"] == "timestamp"
    assert report.column_mapping["overall"] == "rating"
    assert report.events_by_type == {"rating": 2}
    assert report.time_min == "2014-01-30 00:00:00"


def test_amazon_2023_reviews_prefer_parent_asin_and_ignore_review_title(
    ws: Workspace, tmp_path: Path
) -> None:
    rows = [
        {
            "rating": 5.0,
            "title": "Such a lovely scent",
            "text": "...",
            "asin": "B00YQ6X8EO",
            "parent_asin": "B00YQ6X8EO",
            "user_id": "AGKHLEW2SOWHNMFQIJGBECAF7INQ",
            "timestamp": 1588687728923,
        },
        {
            "rating": 4.0,
            "title": "Works",
            "text": "...",
            "asin": "B081TJ8YS3",
            "parent_asin": "B08BBQ29N5",
            "user_id": "AGKHLEW2SOWHNMFQIJGBECAF7INQ",
            "timestamp": 1588615855070,
        },
    ]
    src = _write(tmp_path / "All_Beauty.jsonl", "\n".join(json.dumps(r) for r in rows))
    report = ingest(src, ws, "amazon23").report
    assert report.column_mapping["parent_asin"] == "item_id"
    assert "asin" not in report.column_mapping
    assert "title" not in report.column_mapping
    events = ws.read_events("amazon23")
    assert events.item_id.tolist() == ["B08BBQ29N5", "B00YQ6X8EO"]  # sorted by time
    # The review's own title is carried through under a name that cannot pass for the
    # product title.
    assert events.title_source.tolist() == ["Works", "Such a lovely scent"]


def test_movielens_csv_and_dat(ws: Workspace, tmp_path: Path) -> None:
    csv = _write(
        tmp_path / "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.0,964981247\n",
    )
    assert ingest(csv, ws, "ml-csv").report.rows_accepted == 2
    dat = _write(
        tmp_path / "ratings.dat",
        "1::1193::5::978300760\n1::661::3::978302109\n2::1357::5::978298709\n",
        encoding="latin-1",
    )
    report = ingest(dat, ws, "ml-dat").report
    assert report.rows_accepted == 3
    assert set(report.column_mapping.values()) == {
        "user_id",
        "item_id",
        "rating",
        "timestamp",
    }
    events = ws.read_events("ml-dat")
    assert events.rating.tolist() == [5.0, 3.0, 5.0]


def test_canonical_names_and_recbole_atomic(ws: Workspace, tmp_path: Path) -> None:
    canonical = _write(
        tmp_path / "log.csv",
        "user_id,item_id,timestamp,event_type,session_id,quantity,price,query\n"
        "u1,i1,2024-05-31T14:02:00Z,view,s1,1,9.99,red shoes\n"
        "u1,i2,2024-05-31T14:05:00+02:00,purchase,s1,2,19.5,\n",
    )
    report = ingest(canonical, ws, "canon").report
    assert set(report.column_mapping) == set(report.column_mapping.values())
    events = ws.read_events("canon")
    assert events.item_id.tolist() == ["i2", "i1"]  # 12:05 UTC comes before 14:02 UTC
    atomic = _write(
        tmp_path / "beauty.inter",
        "user_id:token\titem_id:token\ttimestamp:float\n1\t10\t0\n1\t11\t1\n2\t10\t0\n",
    )
    preview = preview_source(atomic)
    assert preview.format == "atomic"
    assert preview.columns == ["user_id", "item_id", "timestamp"]


def test_separate_catalog_file_wins_over_inline(ws: Workspace, tmp_path: Path) -> None:
    events = _write(
        tmp_path / "events.csv",
        "user_id,item_id,timestamp,brand\nu1,i1,2024-01-01,inline-brand\nu1,i2,2024-01-02,\n",
    )
    items = _write(
        tmp_path / "items.csv",
        "item_id,title,category,brand,colour\n"
        "i1,Tent,Outdoor > Camping > Tents,Nordkap,green\n"
        "i3,Stove,Outdoor > Camping > Stoves,,black\n",
    )
    report = ingest(events, ws, "cat", items_path=items).report
    assert report.catalog_items == 3
    catalog = ws.read_items("cat").set_index("item_id")
    assert catalog.loc["i1", "brand"] == "Nordkap"
    assert catalog.loc["i3", "colour"] == "black"
    assert pd.isna(catalog.loc["i2", "title"])
