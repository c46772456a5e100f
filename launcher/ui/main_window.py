"""The main window: the list of courses a student can start."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QListWidget, QMainWindow, QVBoxLayout, QWidget

from launcher import APP_NAME, __version__


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.resize(720, 480)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        heading = QLabel(f"<h2>{APP_NAME}</h2><p>Version {__version__}</p>", central)
        heading.setAccessibleName("Application heading")
        self.course_list = QListWidget(central)
        self.course_list.setAccessibleName("Courses")
        layout.addWidget(heading)
        layout.addWidget(self.course_list)
        self.setCentralWidget(central)
