"""Load catalog files into the store (``riskengine catalog load``) and read them back.

A load is a run of kind ``catalog``: ``catalog_sources``, ``catalog_rejects`` and the
``catalog_objects`` upsert (newest epoch per NORAD id wins) commit together or not at
all; in strict mode a single bad record leaves the database unchanged.
"""

from __future__ import annotations

import os

import numpy as np

from riskengine.catalog.model import Catalog, empty_catalog
from riskengine.catalog.reader import read_files, refusal
from riskengine.catalog.sgp4check import Sgp4Check
from riskengine.errors import CatalogError


def _tle_lines_for_missing(cat: Catalog) -> tuple[np.ndarray, np.ndarray]:
    """TLE text for entries read from OMM (regenerated with ``sgp4.exporter``).

    Only text that reads back as a valid TLE is kept: values the exporter cannot write
    in the fixed columns (a B* below 1e-10, an eccentricity that rounds to 1, an angle
    that rounds to 360) leave the lines empty, and the mean elements stay the record.
    """
    l1, l2 = cat.line1, cat.line2
    missing = [k for k, x in enumerate(l1.tolist()) if type(x) is not str]
    if missing:
        l1, l2 = l1.copy(), l2.copy()
        from sgp4.exporter import export_tle

        from riskengine.catalog.tle import parse_tle_text

        sats = cat.satrecs()
        made = [k for k in missing if cat.norad_id[k] < 340000]
        for k in made:
            l1[k], l2[k] = export_tle(sats[k])
        if made:
            _, problems = parse_tle_text("".join(f"{l1[k]}\n{l2[k]}\n" for k in made))
            for p in problems:           # record j holds lines 2j+1 and 2j+2
                k = made[(p.line - 1) // 2]
                l1[k] = l2[k] = None
    return l1, l2


def catalog_rows(cat: Catalog, run_id: str) -> dict:
    """Columns of ``catalog_objects`` for a catalog (pure; no I/O)."""
    l1, l2 = _tle_lines_for_missing(cat)
    age = cat.epoch_age_days()
    return dict(
        norad_id=cat.norad_id, name=cat.name, intl_designator=cat.intl_designator,
        object_class=cat.object_class, class_source=cat.class_source, epoch=cat.epoch,
        mean_motion=cat.mean_motion, eccentricity=cat.eccentricity,
        inclination_deg=cat.inclination_deg, raan_deg=cat.raan_deg,
        arg_perigee_deg=cat.arg_perigee_deg, mean_anomaly_deg=cat.mean_anomaly_deg,
        bstar=cat.bstar, mean_motion_dot=cat.mean_motion_dot,
        mean_motion_ddot=cat.mean_motion_ddot, classification=cat.classification,
        element_set_no=cat.element_set_no, rev_at_epoch=cat.rev_at_epoch,
        semi_major_axis_km=cat.semi_major_axis_km, perigee_alt_km=cat.perigee_alt_km,
        apogee_alt_km=cat.apogee_alt_km, period_min=cat.period_min, rcs_size=cat.rcs_size,
        rcs_m2=cat.rcs_m2, hard_body_radius_m=cat.hard_body_radius_m, epoch_age_days=age,
        line1=l1, line2=l2, source_file=cat.source_file, source_line=cat.source_line,
        loaded_run_id=run_id)


def _store_objects(con, run, rows, has_satcat: bool) -> None:
    """Upsert the Arrow ``rows`` into ``catalog_objects`` inside ``run``'s transaction
    (newest epoch per NORAD id wins) and apply a SATCAT stored earlier to the new rows."""
    con.register("_new_objects", rows)
    try:
        empty = con.execute("SELECT count(*) FROM catalog_objects").fetchall()[0][0] == 0
        if empty:  # first load: no newest-epoch merge needed
            run.execute("INSERT INTO catalog_objects SELECT * FROM _new_objects")
        else:
            run.execute("""
            INSERT OR REPLACE INTO catalog_objects
            SELECT n.* FROM _new_objects n
            LEFT JOIN catalog_objects c ON c.norad_id = n.norad_id
            WHERE c.norad_id IS NULL OR n.epoch >= c.epoch""")
    finally:
        con.unregister("_new_objects")
    if not has_satcat:  # a SATCAT loaded earlier still applies
        run.execute("""
            UPDATE catalog_objects AS c SET object_class = s.object_type,
                class_source = 'satcat', rcs_size = s.rcs_size, rcs_m2 = s.rcs_m2
            FROM satcat s WHERE s.norad_id = c.norad_id AND c.loaded_run_id = ?""",
                    [run.run_id])


def load_files(con, paths, lenient: bool = False, init_sgp4: bool = True):
    """Parse, validate, initialise SGP4 and store catalog files in one transaction.

    Every element set's SGP4 record is initialised; one that SGP4 refuses is a bad
    record. In strict mode that check starts as soon as a file is split into records and
    runs in a helper process (see :mod:`~riskengine.catalog.sgp4check`) while the fields
    are decoded and the rows written; a refusal rolls the whole load back. In lenient
    mode the refused element sets are dropped before writing and reported in
    ``catalog_rejects``.

    Returns
    -------
    run_id : str
    result : ReadResult
        The parsed catalog, SATCAT rows, problems and per-file summaries.

    Raises
    ------
    CatalogError
        In strict mode when any record is bad; the database is left unchanged.
    """
    from riskengine.store import db

    strict_check = init_sgp4 and not lenient
    # ~150 bytes per TLE record: a big load starts the check's helper before parsing
    size = sum(os.path.getsize(p) for p in paths if os.path.isfile(p)) if strict_check else 0
    with Sgp4Check(records=size // 150) as check:
        result = read_files(paths, lenient=lenient, sgp4=check if strict_check else None)
        cat = result.catalog
        if init_sgp4 and lenient and len(cat):
            sgp4_problems, refused = check.refused(cat)
            if sgp4_problems:
                result.problems += sgp4_problems
                cat = cat.subset(~refused)
                result.catalog = cat
        ref = cat.reference_epoch if len(cat) else None
        with db.run(con, "catalog",
                    config={"files": [str(p) for p in paths], "lenient": lenient},
                    catalog_epoch=None if ref is None or np.isnat(ref) else ref.astype(object),
                    refused=(CatalogError,)) as run:
            for s in result.sources:
                run.write("catalog_sources", dict(
                    source_file=[s.source_file], sha256=[s.sha256], format=[s.format],
                    records=[s.records], rejected=[s.rejected],
                    epoch_min=np.array([s.epoch_min], "datetime64[us]"),
                    epoch_median=np.array([s.epoch_median], "datetime64[us]"),
                    epoch_max=np.array([s.epoch_max], "datetime64[us]")))
            if result.problems:
                run.write("catalog_rejects", dict(
                    source_file=[p.file for p in result.problems],
                    line=[p.line for p in result.problems],
                    reason=[p.reason for p in result.problems],
                    record=[p.record for p in result.problems]))
            if result.satcat is not None:
                db.insert(con, "satcat", result.satcat, mode="upsert")
                # objects already stored take their class and size from the new SATCAT
                run.execute("""
                    UPDATE catalog_objects AS c SET object_class = s.object_type,
                        class_source = 'satcat', rcs_size = s.rcs_size, rcs_m2 = s.rcs_m2
                    FROM satcat s WHERE s.norad_id = c.norad_id""")
            if len(cat):
                rows = db._to_arrow("catalog_objects", catalog_rows(cat, run.run_id), None)
                _store_objects(con, run, rows, result.satcat is not None)
                if strict_check:      # waits for the check started at the split
                    sgp4_problems = check.problems(cat)
                    if sgp4_problems:
                        raise refusal(sgp4_problems)
            run.stats.update(objects=len(cat), rejected=len(result.problems),
                             files=len(result.sources))
    return run.run_id, result


def catalog_from_db(con) -> Catalog:
    """The store's current catalog (``catalog_objects``) as a :class:`Catalog`."""
    from riskengine.catalog.model import default_hbr_m

    n = con.execute("SELECT count(*) FROM catalog_objects").fetchall()[0][0]
    if n == 0:
        return empty_catalog()
    import warnings

    with warnings.catch_warnings():  # the extra copy is cheap next to SGP4 initialisation
        warnings.simplefilter("ignore", UserWarning)
        tbl = con.execute("SELECT * FROM catalog_objects ORDER BY norad_id").to_arrow_table()
    col = lambda name: tbl.column(name).to_numpy(zero_copy_only=False)  # noqa: E731
    obj = lambda name: np.array(tbl.column(name).to_pylist(), dtype=object)  # noqa: E731
    cls = obj("object_class")
    hbr = col("hard_body_radius_m").astype(float)
    # a SATCAT applied in SQL updates size columns; recompute the radius from them
    hbr = default_hbr_m(cls, obj("rcs_size"), col("rcs_m2").astype(float))
    return Catalog(
        norad_id=col("norad_id").astype(np.int64), name=obj("name"),
        intl_designator=obj("intl_designator"), object_class=cls,
        class_source=obj("class_source"), epoch=col("epoch").astype("datetime64[us]"),
        mean_motion=col("mean_motion"), eccentricity=col("eccentricity"),
        inclination_deg=col("inclination_deg"), raan_deg=col("raan_deg"),
        arg_perigee_deg=col("arg_perigee_deg"), mean_anomaly_deg=col("mean_anomaly_deg"),
        bstar=col("bstar"), mean_motion_dot=col("mean_motion_dot"),
        mean_motion_ddot=col("mean_motion_ddot"), classification=obj("classification"),
        element_set_no=col("element_set_no").astype(np.int64),
        rev_at_epoch=col("rev_at_epoch").astype(np.int64), rcs_size=obj("rcs_size"),
        rcs_m2=col("rcs_m2").astype(float), hard_body_radius_m=hbr, line1=obj("line1"),
        line2=obj("line2"), source_file=obj("source_file"),
        source_line=col("source_line").astype(np.int64))
