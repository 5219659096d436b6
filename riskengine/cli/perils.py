"""``riskengine perils`` — every registered peril with its parameters, defaults and sources."""

from __future__ import annotations

import json

import click


@click.command("perils")
@click.argument("types", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per peril and line.")
@click.option("--markdown", is_flag=True,
              help="The reference page docs/perils.md (generated from the registry).")
def perils(types, as_json, markdown):
    """List the perils a portfolio can use ([[perils]] type = ...), with every parameter's
    default, unit, meaning and source (or the named assumption behind it).

    \b
    Examples:
      riskengine perils
      riskengine perils collision breakup
      riskengine perils --json | jq .type
      riskengine perils --markdown > docs/perils.md
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from riskengine import perils as registry

    names = list(types) or registry.types()
    classes = [registry.get(t) for t in names]
    if markdown:
        from riskengine.perils.docs import markdown as md

        click.echo(md(classes), nl=False)
        return
    if as_json:
        for cls in classes:
            click.echo(json.dumps({"type": cls.type, "kind": cls.kind, "summary": cls.summary,
                                   "default": cls.default, "needs": sorted(cls.needs),
                                   "default_params": cls.default_params,
                                   "parameters": cls.parameters()}, default=str))
        return
    c = Console()
    for cls in classes:
        head = Text(cls.type, style="bold cyan") + Text(
            f"  ({cls.kind}{', in the default set' if cls.default else ''}; needs "
            f"{', '.join(sorted(cls.needs)) or 'nothing'})", style="dim")
        c.print(head)
        c.print(Text("  " + cls.summary))
        params = cls.parameters()
        if not params:
            c.print(Text("  no parameters (the posterior / evidence files carry them)\n",
                         style="dim"))
            continue
        t = Table(show_header=True, header_style="bold", box=None, padding=(0, 1),
                  pad_edge=False)
        for col in ("parameter", "default", "unit", "meaning", "source / assumption"):
            t.add_column(col, overflow="fold")
        for p in params:
            default = cls.default_params.get(p["name"], p["default"])
            d = "required" if p["required"] else ("—" if default is None else str(default))
            why = p["source"] or (f"assumption: {p['assumption']}" if p["assumption"] else "")
            t.add_row(Text(p["name"]), Text(d), Text(p["unit"]), Text(p["description"]),
                      Text(why))
        c.print(t)
        c.print()
