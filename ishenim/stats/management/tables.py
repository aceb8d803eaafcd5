"""Plain aligned text tables for the analysis commands: columns padded to their widest cell,
numbers to the right, readable in a terminal and in a log, easy to cut with awk."""

from collections.abc import Sequence


def table_text(
    headers: Sequence[str], rows: Sequence[Sequence], *, numeric: set[int] = frozenset()
):
    """The table as lines of text; `numeric` names the columns aligned to the right."""
    cells = [[str(header) for header in headers]] + [
        ["" if value is None else str(value) for value in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return [line(cells[0]), rule, *(line(row) for row in cells[1:])]


def number(value: float | None, decimals: int = 0) -> str:
    if value is None or value != value:  # NaN
        return "-"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return f"{value:,.{decimals}f}"


def p_text(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"
