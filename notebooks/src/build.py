"""Build notebooks/NN_*.ipynb from the percent-format sources here (no outputs).

    .venv/bin/python notebooks/src/build.py

Cells start with ``# %%`` (code) or ``# %% [markdown]`` (markdown; lines start with ``# ``).
"""
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent


def cells(text: str):
    blocks, cur, kind = [], [], None
    for line in text.splitlines():
        if line.startswith("# %%"):
            if kind:
                blocks.append((kind, cur))
            kind, cur = ("markdown" if "[markdown]" in line else "code"), []
        else:
            cur.append(line)
    if kind:
        blocks.append((kind, cur))
    for kind, lines in blocks:
        while lines and not lines[-1].strip():
            lines.pop()
        if kind == "markdown":
            yield nbformat.v4.new_markdown_cell("\n".join(l[2:] if l.startswith("# ") else l.lstrip("#")
                                                          for l in lines))
        else:
            yield nbformat.v4.new_code_cell("\n".join(lines))


for src in sorted(HERE.glob("[0-9]*.py")):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells(src.read_text()))
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    out = HERE.parent / (src.stem + ".ipynb")
    nbformat.write(nb, out)
    print("wrote", out)
