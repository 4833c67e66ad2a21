"""Pieces of the self-contained HTML report: the compact data payload, its safe embedding, the
inline assets with their Content-Security-Policy hashes, and chart geometry.

``auditor.report.html_report`` puts them together; each module here is a pure function of its input.
"""
