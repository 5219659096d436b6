"""Table schemas, declared once as data. DDL and Arrow schemas are generated from them.

Each stage owns the tables it writes; add a table here (and only here) to create it.
Every run-scoped table carries ``run_id`` and is written inside the run's transaction
(see :func:`riskengine.store.db.run`), so its rows become visible together with the
``runs`` row that says ``status = 'complete'``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

# DuckDB type -> Arrow type (the bulk-write path goes through Arrow)
_ARROW = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "SMALLINT": pa.int16(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "JSON": pa.string(),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    doc: str = ""
    primary_key: tuple[str, ...] = ()
    run_scoped: bool = True  # has run_id and is deleted/committed with its run
    indexes: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self) -> str:
        cols = [
            f'    "{c.name}" {c.type}{"" if c.nullable else " NOT NULL"}' for c in self.columns
        ]
        if self.primary_key:
            cols.append(f"    PRIMARY KEY ({', '.join(self.primary_key)})")
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n" + ",\n".join(cols) + "\n)"

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, _ARROW[c.type], nullable=c.nullable) for c in self.columns]
        )


def _t(name, doc, cols, **kw) -> Table:
    return Table(name=name, doc=doc, columns=tuple(Column(*c) for c in cols), **kw)


RUN_ID = ("run_id", "VARCHAR", "run that wrote the row (runs.run_id)", False)

TABLES: dict[str, Table] = {}


def register(table: Table) -> Table:
    """Add a table to the schema (idempotent for the same declaration)."""
    if table.name in TABLES and TABLES[table.name] != table:
        raise ValueError(f"table {table.name!r} declared twice with different columns")
    TABLES[table.name] = table
    return table


# --------------------------------------------------------------------------- registry
register(_t("runs", "One row per run. A run's rows are visible only once status='complete'.", [
    ("run_id", "VARCHAR", "unique id: <kind>-<UTC timestamp>-<random>", False),
    ("kind", "VARCHAR", "catalog | screen | hazards | fit | simulate | price", False),
    ("created_at", "TIMESTAMP", "UTC start time", False),
    ("finished_at", "TIMESTAMP", "UTC end time"),
    ("portfolio", "VARCHAR", "portfolio name (config file stem)"),
    ("config", "JSON", "the full resolved config"),
    ("config_path", "VARCHAR", "config file as given"),
    ("seed", "BIGINT", "root random seed"),
    ("years", "BIGINT", "simulated years"),
    ("code_version", "VARCHAR", "riskengine version + git commit"),
    ("catalog_epoch", "TIMESTAMP", "reference epoch of the catalog used"),
    ("status", "VARCHAR", "complete | failed", False),
    ("error", "VARCHAR", "error message of a failed run"),
    ("stats", "JSON", "counts and timings of the run (rows written, objects excluded, ...)"),
    ("portfolio_hash", "VARCHAR", "sha256 of what the run's results depend on in the portfolio "
     "(screening: the fleet; hazards: fleet + perils); a later stage reuses only a run of the "
     "same hash"),
    ("inputs", "JSON", "the upstream runs and data that fed this run: catalog fingerprint, "
     "screening, hazards and fit run ids"),
], primary_key=("run_id",), run_scoped=False))

register(_t("catalog_sources", "Each catalog file loaded, with its epoch range.", [
    RUN_ID,
    ("source_file", "VARCHAR", "path as given", False),
    ("sha256", "VARCHAR", "content hash"),
    ("format", "VARCHAR", "tle | 3le | omm-csv | omm-json | omm-xml | satcat-csv"),
    ("records", "BIGINT", "records read"),
    ("rejected", "BIGINT", "records rejected (lenient mode)"),
    ("epoch_min", "TIMESTAMP", "oldest element epoch (UTC)"),
    ("epoch_median", "TIMESTAMP", "median element epoch: the catalog's reference epoch"),
    ("epoch_max", "TIMESTAMP", "newest element epoch (UTC)"),
]))

register(_t("catalog_objects", "The current catalog: one row per object, newest epoch wins.", [
    ("norad_id", "BIGINT", "NORAD catalog number (Alpha-5 decoded)", False),
    ("name", "VARCHAR", "object name"),
    ("intl_designator", "VARCHAR", "COSPAR id, e.g. 1998-067A"),
    ("object_class", "VARCHAR", "PAYLOAD | DEBRIS | ROCKET BODY | UNKNOWN", False),
    ("class_source", "VARCHAR", "satcat | omm | name pattern | default"),
    ("epoch", "TIMESTAMP", "element set epoch (UTC)", False),
    ("mean_motion", "DOUBLE", "Kozai mean motion, rev/day", False),
    ("eccentricity", "DOUBLE", "", False),
    ("inclination_deg", "DOUBLE", "", False),
    ("raan_deg", "DOUBLE", "", False),
    ("arg_perigee_deg", "DOUBLE", "", False),
    ("mean_anomaly_deg", "DOUBLE", "", False),
    ("bstar", "DOUBLE", "1/earth radii"),
    ("mean_motion_dot", "DOUBLE", "rev/day^2 (TLE field, i.e. ndot/2)"),
    ("mean_motion_ddot", "DOUBLE", "rev/day^3 (TLE field, i.e. nddot/6)"),
    ("classification", "VARCHAR", "U | C | S"),
    ("element_set_no", "BIGINT", ""),
    ("rev_at_epoch", "BIGINT", ""),
    ("semi_major_axis_km", "DOUBLE", "from mean motion (WGS-72 mu)"),
    ("perigee_alt_km", "DOUBLE", "perigee altitude above 6378.135 km"),
    ("apogee_alt_km", "DOUBLE", "apogee altitude above 6378.135 km"),
    ("period_min", "DOUBLE", ""),
    ("rcs_size", "VARCHAR", "SMALL | MEDIUM | LARGE (SATCAT) or null"),
    ("rcs_m2", "DOUBLE", "radar cross-section, m^2, when known"),
    ("hard_body_radius_m", "DOUBLE", "default hard-body radius from size class", False),
    ("epoch_age_days", "DOUBLE", "source reference epoch minus element epoch"),
    ("line1", "VARCHAR", "TLE line 1 (regenerated for OMM sources)"),
    ("line2", "VARCHAR", "TLE line 2"),
    ("source_file", "VARCHAR", "file the elements came from"),
    ("source_line", "BIGINT", "line number (1-based) of the record in that file"),
    ("loaded_run_id", "VARCHAR", "catalog run that loaded the elements"),
], primary_key=("norad_id",), run_scoped=False))

register(_t("catalog_rejects", "Records rejected by a --lenient load.", [
    RUN_ID,
    ("source_file", "VARCHAR", "", False),
    ("line", "BIGINT", "1-based line number"),
    ("reason", "VARCHAR", "", False),
    ("record", "VARCHAR", "the raw record text"),
]))

register(_t("satcat", "SATCAT rows (object class, size, decay) joined into catalog_objects.", [
    ("norad_id", "BIGINT", "", False),
    ("object_name", "VARCHAR", ""),
    ("intl_designator", "VARCHAR", ""),
    ("object_type", "VARCHAR", "PAYLOAD | DEBRIS | ROCKET BODY | UNKNOWN"),
    ("owner", "VARCHAR", "country / owner code"),
    ("launch_date", "TIMESTAMP", ""),
    ("decay_date", "TIMESTAMP", ""),
    ("period_min", "DOUBLE", ""),
    ("inclination_deg", "DOUBLE", ""),
    ("apogee_km", "DOUBLE", ""),
    ("perigee_km", "DOUBLE", ""),
    ("rcs_m2", "DOUBLE", ""),
    ("rcs_size", "VARCHAR", ""),
    ("source_file", "VARCHAR", ""),
], primary_key=("norad_id",), run_scoped=False))

# Loss engine (GUIDE contract) -------------------------------------------------------
register(_t("ylt", "Year loss table: one row for EVERY simulated year (avg(loss) = AAL).", [
    RUN_ID,
    ("year", "BIGINT", "simulated year, 1..N", False),
    ("loss", "DOUBLE", "USD after all policy terms", False),
    ("ground_up_loss", "DOUBLE", "USD before policy terms", False),
]))
register(_t("elt", "Event loss table: one row per occurrence (occurrences with a ground-up "
              "loss below [simulation] elt_min_loss are summed into one row per year and peril).", [
    RUN_ID,
    ("event_id", "BIGINT", "unique within the run", False),
    ("year", "BIGINT", "", False),
    ("peril", "VARCHAR", "", False),
    ("satellites", "BIGINT", "satellites hit"),
    ("loss", "DOUBLE", "USD after satellite and occurrence terms", False),
    ("ground_up_loss", "DOUBLE", "USD", False),
    ("occurrences", "BIGINT", "occurrences in this row: 1, or how many small ones were summed "
     "(null in stores written before this column: read as 1)"),
    ("gross_loss", "DOUBLE", "USD the policy pays for the occurrence: after the aggregate "
     "terms too, which the year's occurrences use up in the order they happen"),
    ("net_loss", "DOUBLE", "USD the insurer keeps after reinsurance"),
]))
register(_t("ep_curve", "Exceedance-probability curves on each financial perspective.", [
    RUN_ID,
    ("perspective", "VARCHAR", "ground_up | gross (after policy terms) | net (after "
     "reinsurance); null in stores written before perspectives: gross"),
    ("curve", "VARCHAR", "AEP (annual loss) | OEP (the year's largest occurrence), both on "
     "the row's perspective", False),
    ("return_period", "DOUBLE", "years", False),
    ("loss", "DOUBLE", "USD", False),
    ("tvar", "DOUBLE", "USD, mean loss beyond this return period"),
]))
register(_t("metrics", "Scalar results with Monte Carlo standard errors.", [
    RUN_ID,
    ("perspective", "VARCHAR", "ground_up | gross | net: the loss the metric is taken on "
     "(pricing rows: gross for the policy's premium, net for capital and reinsurance); null "
     "in stores written before perspectives: gross"),
    ("metric", "VARCHAR", "aal, std, var_0.99, tvar_0.995, oep_var_0.995, premium, ...", False),
    ("value", "DOUBLE", "", False),
    ("std_error", "DOUBLE", "Monte Carlo standard error"),
]))


# Stage-owned tables live in riskengine/store/tables_<stage>.py and register themselves.
def _load_stage_tables() -> None:
    import importlib
    import pkgutil

    import riskengine.store as pkg

    for mod in sorted(m.name for m in pkgutil.iter_modules(pkg.__path__)):
        if mod.startswith("tables_"):
            importlib.import_module(f"riskengine.store.{mod}")


_load_stage_tables()
