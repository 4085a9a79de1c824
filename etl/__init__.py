"""News ETL: fetch, clean, extract and load news articles into Parquet for DuckDB."""

__version__ = "0.1.0"
