"""Publication figures drawn from ruptstats results (matplotlib, imported lazily)."""

__all__: list[str] = []
