"""The reports: what people read, built from the metrics and the alerts.

    digest.py         the weekly digest's analysis: week over week, regressions and their causes
    attribution.py    which prompt, model or release change explains a regression
    evidence.py       the production checklist's interpretation rules, with their evidence
    digest_render.py  the digest as Markdown and as Slack Block Kit
    digest_chart.py   the digest's chart (PNG)
    review.py         the monthly review (HTML, Markdown, and its Slack summary)
"""
