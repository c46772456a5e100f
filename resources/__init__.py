"""Data files shipped with the launcher (catalogue, icons, desktop entries)."""
