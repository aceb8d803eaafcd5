"""ishenim.analytics: the statistics engine, a plain library over NumPy and SciPy arrays.

It imports no Django and no app (an import-linter contract in pyproject.toml holds it to
that), so that it can be tested against reference implementations without a database and
reused outside the platform. `ishenim.stats` is its Django side.
"""
