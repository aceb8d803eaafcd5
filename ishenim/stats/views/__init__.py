"""The statistics' pages, by subject: datasets and the area dashboard with its map layers
(dashboard.py), the near-repeat and concentration analyses (analysis.py), imports
(imports.py) and open data (open_data.py). Thin: gate, validate, one service, render."""
