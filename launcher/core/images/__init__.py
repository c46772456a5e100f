"""Course images: download, update, inventory, sizes."""
