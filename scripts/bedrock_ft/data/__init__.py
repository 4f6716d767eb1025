"""Datasets: sources, templates, presets, record formats, images, generate and validate."""
