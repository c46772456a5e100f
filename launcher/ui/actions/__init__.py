"""What the window's menus and buttons do, each as jobs."""
