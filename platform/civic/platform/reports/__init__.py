"""Rendering the evaluation's reports for people: HTML pages with server-side SVG charts."""
