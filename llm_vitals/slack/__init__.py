"""Slack: what a message says and how it gets there.

    messages.py   alert, resolution and reminder messages as Block Kit data, text from logs escaped
    delivery.py   the outbox's delivery through slack-sdk (Web API or webhook), file uploads, and
                  the errors that say whether Slack was unavailable (retried) or refused (dead)
"""
