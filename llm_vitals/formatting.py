"""How values read in text meant for people (terminal, Markdown, Slack): one place for each."""


def segment_label(dimension: str, segment: str) -> str:
    """Names a segment: "all calls", "route chat", or "calls without a tenant" for the empty one."""
    if dimension == "all":
        return "all calls"
    if segment == "":
        return f"calls without a {dimension.replace('_', ' ')}"
    return f"{dimension} {segment}"
