"""The peril reference page (``docs/perils.md``), generated from the registry.

Examples
--------
>>> from riskengine.perils.docs import markdown
>>> markdown().splitlines()[0]
'# Perils'
"""

from __future__ import annotations


def _cell(v) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def markdown(classes=None) -> str:
    """Markdown of every registered peril: kind, summary, parameters with their defaults,
    units, meanings and sources (or the named assumption behind them)."""
    from riskengine import perils

    classes = classes or [perils.get(t) for t in perils.types()]
    out = ["# Perils", "",
           "Every peril a portfolio can list under `[[perils]]`, generated from the registry "
           "(`riskengine perils --markdown`; `tests/test_perils.py` checks this page is "
           "current). Without `[[perils]]` a portfolio gets the default physical set "
           "(marked *default*).", ""]
    for cls in classes:
        flags = [cls.kind] + (["default"] if cls.default else [])
        out += [f"## `{cls.type}`", "", f"*{', '.join(flags)}; needs "
                f"{', '.join(sorted(cls.needs)) or 'nothing'}.* {cls.summary}.", ""]
        params = cls.parameters()
        if not params:
            out += ["No parameters: the Bayesian posterior (`riskengine fit`) and the "
                    "evidence files carry them.", ""]
            continue
        where = "" if cls.kind == "generic" else "`params.`"
        out += ["| parameter | default | unit | meaning | source / assumption |",
                "|---|---|---|---|---|"]
        for p in params:
            d = cls.default_params.get(p["name"], p["default"])
            d = "required" if p["required"] else ("—" if d is None else d)
            why = p["source"] or (f"*assumption:* {p['assumption']}" if p["assumption"] else "")
            out.append(f"| {where}`{p['name']}` | {_cell(d)} | {_cell(p['unit'])} | "
                       f"{_cell(p['description'])} | {_cell(why)} |")
        out.append("")
    return "\n".join(out)
