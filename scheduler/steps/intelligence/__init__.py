"""Competitive intelligence steps (Ezal): scanning competitor menus and comparing scans."""
