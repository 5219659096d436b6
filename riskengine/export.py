"""Export a priced run in the cat-modelling community's format: Oasis Open Results Data (ORD).

``riskengine export RUN_ID --format ord --out DIR`` writes one Parquet file per table and
perspective, named as the OasisLMF tools name their outputs (``{gul|il|ri}_S1_{table}``;
``gul`` ground-up, ``il`` insured loss = gross, ``ri`` net of reinsurance; summary set 1,
``SummaryId`` 1 = the whole portfolio):

=========  ======================================================================
table      columns (ORD)
=========  ======================================================================
``selt``   EventId, SummaryId, SampleId, Loss, ImpactedExposure, PerilCode
``melt``   EventId, SummaryId, SampleType, EventRate, ChanceOfLoss, MeanLoss, SDLoss,
           MaxLoss, FootprintExposure, MeanImpactedExposure, MaxImpactedExposure,
           PerilCode
``splt``   Period, PeriodWeight, EventId, Year, Month, Day, Hour, Minute, SummaryId,
           SampleId, Loss, ImpactedExposure, PerilCode
``mplt``   Period, PeriodWeight, EventId, Year, Month, Day, Hour, Minute, SummaryId,
           SampleType, ChanceOfLoss, MeanLoss, SDLoss, MaxLoss, FootprintExposure,
           MeanImpactedExposure, MaxImpactedExposure, PerilCode
``palt``   SummaryId, SampleType, MeanLoss, SDLoss (the ALT)
``ept``    SummaryId, EPCalc, EPType, ReturnPeriod, Loss
``psept``  SummaryId, SampleId, EPType, ReturnPeriod, Loss
=========  ======================================================================

Codes as the OasisLMF ``lecpy`` / ``aalpy`` tools write them (ORD v1): ``EPCalc`` 2 = full
uncertainty; ``EPType`` 1 = OEP, 2 = OEP TVaR, 3 = AEP, 4 = AEP TVaR; ``SampleType`` 2 =
sampled. ORD v2 renames these to ``EPMethod`` ``S_FULL`` and ``EPType`` ``OEP`` /
``TVAR_OEP`` / ``AEP`` / ``TVAR_AEP``; ``riskengine_ord.json`` records the mapping.

Mapping of the simulation onto ORD: a *period* is a simulated year (``PeriodWeight`` =
1 / years), every occurrence is its own event (``EventId`` = ``elt.event_id``, one sample,
``EventRate`` = occurrences / years), ``PerilCode`` is the peril (ORD's optional field); the
per-sample EP curves are the classes of parameter draws of the ``psept`` table
(``SampleId`` = class). Occurrence times are not stored, so ``Month``, ``Day``, ``Hour``
and ``Minute`` are null; exposures are not tracked per event (null). Event tables hold
only rows with a loss > 0, as ORD asks.

References: OasisLMF/ODS_OpenResultsData, ``Schema/ORD_Tables.csv`` and
``Schema/ORD_List_of_Fields.csv`` (table and field definitions, v1 -> v2 codes);
OasisLMF ``oasislmf/pytools/{elt,plt,aal,lec}/data.py`` (column order and codes written by
the Oasis tools).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

PERSPECTIVES = {"ground_up": "gul", "gross": "il", "net": "ri"}
#: elt column of each perspective's occurrence loss (older stores lack gross/net)
ELT_LOSS = {"ground_up": "ground_up_loss", "gross": "coalesce(gross_loss, loss)",
            "net": "net_loss"}
EP_TYPE = {("OEP", "loss"): 1, ("OEP", "tvar"): 2, ("AEP", "loss"): 3, ("AEP", "tvar"): 4}
EP_CALC_FULL = 2
SAMPLE_TYPE_SAMPLED = 2


def _copy(con, sql: str, params: list, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    q = sql
    for p in params:      # COPY takes no prepared parameters: inline quoted literals
        q = q.replace("?", "'" + str(p).replace("'", "''") + "'", 1)
    con.execute(f"COPY ({q}) TO '{str(tmp).replace(chr(39), chr(39) * 2)}' "
                "(FORMAT PARQUET, COMPRESSION ZSTD)")
    os.replace(tmp, path)


def export_ord(con, run_id: str, out: str | Path) -> list[Path]:
    """Write the ORD tables of ``run_id`` into folder ``out``; the files written.

    Raises :class:`riskengine.errors.StoreError` for an unknown or unpriced run and
    :class:`riskengine.errors.OutputError` when ``out`` cannot be written.
    """
    from riskengine.errors import OutputError, StoreError

    row = con.execute("SELECT years, status, portfolio, seed, code_version FROM runs "
                      "WHERE run_id = ?", [run_id]).fetchall()
    if not row or row[0][1] != "complete":
        raise StoreError(f"no complete run {run_id!r} in the store; see `riskengine runs list`")
    years, _, portfolio, seed, version = row[0]
    n_ep = con.execute("SELECT count(*) FROM ep_curve WHERE run_id = ?", [run_id]).fetchall()[0][0]
    if not years or not n_ep:
        raise StoreError(f"run {run_id!r} has no loss tables to export (a {row[0][1]} run "
                         "without ylt/ep_curve): export a simulate or price run")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the export folder ({exc.strerror or exc}); "
                          "choose another --out") from None
    has_net = con.execute("SELECT count(*) FROM elt WHERE run_id = ? AND net_loss IS NOT NULL",
                          [run_id]).fetchall()[0][0] > 0 or con.execute(
        "SELECT count(*) FROM ep_curve WHERE run_id = ? AND perspective = 'net'",
        [run_id]).fetchall()[0][0] > 0
    files: list[Path] = []
    w = 1.0 / float(years)
    top = con.execute("SELECT max(event_id) FROM elt WHERE run_id = ?", [run_id]).fetchall()[0][0]
    # ORD / Oasis event ids are 32-bit: wider only when a run has more events than that
    eid = "event_id::INTEGER" if (top or 0) < 2**31 else "event_id"
    try:
        for persp, tag in PERSPECTIVES.items():
            if persp == "net" and not has_net:
                continue
            loss = ELT_LOSS[persp]
            ev = (f"SELECT event_id, year, peril, coalesce(occurrences, 1) AS n, {loss} AS x "
                  "FROM elt WHERE run_id = ? AND " + loss + " > 0")
            path = out / f"{tag}_S1_selt.parquet"
            _copy(con, f"SELECT {eid} AS EventId, 1 AS SummaryId, 1 AS SampleId, "
                       f"x AS Loss, NULL::DOUBLE AS ImpactedExposure, peril AS PerilCode "
                       f"FROM ({ev}) ORDER BY EventId", [run_id], path)
            files.append(path)
            path = out / f"{tag}_S1_melt.parquet"
            _copy(con, f"SELECT {eid} AS EventId, 1 AS SummaryId, "
                       f"{SAMPLE_TYPE_SAMPLED} AS SampleType, n * {w!r}::DOUBLE AS EventRate, "
                       "1.0 AS ChanceOfLoss, x AS MeanLoss, 0.0 AS SDLoss, x AS MaxLoss, "
                       "NULL::DOUBLE AS FootprintExposure, NULL::DOUBLE AS MeanImpactedExposure, "
                       "NULL::DOUBLE AS MaxImpactedExposure, peril AS PerilCode "
                       f"FROM ({ev}) ORDER BY EventId", [run_id], path)
            files.append(path)
            when = ("year::INTEGER AS Period, " + repr(w) + "::DOUBLE AS PeriodWeight, "
                    + eid + " AS EventId, year::INTEGER AS Year, NULL::INTEGER AS Month, "
                    "NULL::INTEGER AS Day, NULL::INTEGER AS Hour, NULL::INTEGER AS Minute, "
                    "1 AS SummaryId, ")
            path = out / f"{tag}_S1_splt.parquet"
            _copy(con, f"SELECT {when} 1 AS SampleId, x AS Loss, NULL::DOUBLE AS "
                       f"ImpactedExposure, peril AS PerilCode FROM ({ev}) "
                       "ORDER BY Period, EventId", [run_id], path)
            files.append(path)
            path = out / f"{tag}_S1_mplt.parquet"
            _copy(con, f"SELECT {when} {SAMPLE_TYPE_SAMPLED} AS SampleType, 1.0 AS ChanceOfLoss, "
                       "x AS MeanLoss, 0.0 AS SDLoss, x AS MaxLoss, NULL::DOUBLE AS "
                       "FootprintExposure, NULL::DOUBLE AS MeanImpactedExposure, NULL::DOUBLE "
                       f"AS MaxImpactedExposure, peril AS PerilCode FROM ({ev}) "
                       "ORDER BY Period, EventId", [run_id], path)
            files.append(path)
            persp_sql = "coalesce(perspective, 'gross') = ?"
            path = out / f"{tag}_S1_palt.parquet"
            _copy(con, f"SELECT 1 AS SummaryId, {SAMPLE_TYPE_SAMPLED} AS SampleType, "
                       "max(value) FILTER (WHERE metric = 'aal') AS MeanLoss, "
                       "max(value) FILTER (WHERE metric = 'std') AS SDLoss FROM metrics "
                       f"WHERE run_id = ? AND {persp_sql}", [run_id, persp], path)
            files.append(path)
            cases = " ".join(f"WHEN curve = '{c}' AND k = '{k}' THEN {v}"
                             for (c, k), v in EP_TYPE.items())
            path = out / f"{tag}_S1_ept.parquet"
            _copy(con, f"SELECT 1 AS SummaryId, {EP_CALC_FULL} AS EPCalc, "
                       f"CASE {cases} END AS EPType, return_period AS ReturnPeriod, "
                       "v AS Loss FROM (SELECT curve, return_period, 'loss' AS k, loss AS v "
                       f"FROM ep_curve WHERE run_id = ? AND {persp_sql} UNION ALL "
                       "SELECT curve, return_period, 'tvar', tvar FROM ep_curve "
                       f"WHERE run_id = ? AND {persp_sql} AND tvar IS NOT NULL) "
                       "ORDER BY EPType, ReturnPeriod", [run_id, persp, run_id, persp], path)
            files.append(path)
            path = out / f"{tag}_S1_psept.parquet"
            _copy(con, "SELECT 1 AS SummaryId, sample::INTEGER AS SampleId, "
                       "CASE curve WHEN 'OEP' THEN 1 ELSE 3 END AS EPType, "
                       "return_period AS ReturnPeriod, loss AS Loss FROM psept "
                       "WHERE run_id = ? AND perspective = ? "
                       "ORDER BY SampleId, EPType, ReturnPeriod", [run_id, persp], path)
            files.append(path)
        meta = {
            "format": "Oasis Open Results Data (ORD), Parquet; codes as OasisLMF lecpy/aalpy "
                      "write them (ORD v1)",
            "source": "riskengine", "run_id": run_id, "portfolio": portfolio, "seed": seed,
            "code_version": version, "NumberOfPeriods": int(years), "PeriodLength": 1,
            "perspectives": {v: k for k, v in PERSPECTIVES.items() if
                             any(f.name.startswith(v + "_") for f in files)},
            "summary_sets": {"S1": "SummaryId 1: the whole portfolio"},
            "EPCalc": {"2": "full uncertainty (ORD v2 EPMethod S_FULL)"},
            "EPType": {"1": "OEP", "2": "TVAR_OEP", "3": "AEP", "4": "TVAR_AEP"},
            "SampleType": {"2": "sampled (STOC)"},
            "psept_samples": "classes of parameter draws ranked by expected loss "
                             "(riskengine psept table)",
            "spec": "github.com/OasisLMF/ODS_OpenResultsData Schema/ORD_Tables.csv, "
                    "Schema/ORD_List_of_Fields.csv",
        }
        path = out / "riskengine_ord.json"
        path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        files.append(path)
    except (OSError, duckdb.IOException) as exc:
        msg = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        raise OutputError(f"{out}: cannot write the export ({msg}); choose another --out "
                          "with room") from None
    return files
