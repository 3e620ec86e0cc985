"""The weekly digest written out: as Markdown (printed, and the Prefect artifact) and as one Slack
Block Kit message (escaped, within Slack's limits). The numbers come from `digest.build`."""

from datetime import timedelta

from llm_vitals.formatting import duration, is_fraction, metric_value, segment_label
from llm_vitals.reports.digest import HEADLINE, QUALITY, Digest
from llm_vitals.slack.messages import MAX_BLOCKS, escape


def markdown(digest: Digest) -> str:
    """Returns the digest as Markdown (what is printed when Slack is not configured)."""
    return "\n".join(_lines(digest, markdown=True)) + "\n"


def blocks(digest: Digest) -> dict:
    """Returns the digest as one Slack message: a text fallback and at most 50 blocks."""
    sections = _sections(digest, markdown=False)
    out = [{"type": "header", "text": {"type": "plain_text", "text": title(digest)[:150]}}]
    for heading, lines in sections:
        text = f"*{heading}*\n" + "\n".join(lines)
        if len(text) > 3000:
            kept, size = [], len(heading) + 3
            for line in lines:
                if size + len(line) + 1 > 2950:
                    break
                kept.append(line)
                size += len(line) + 1
            text = f"*{heading}*\n" + "\n".join(kept) + f"\n… and {len(lines) - len(kept)} more"
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if len(out) > MAX_BLOCKS:
        out = out[: MAX_BLOCKS - 1] + [{"type": "context", "elements": [{"type": "mrkdwn", "text": f"… and {len(out) - MAX_BLOCKS + 1} more sections"}]}]
    return {"text": escape(title(digest)), "blocks": out}


def title(digest: Digest) -> str:
    end = digest.start + timedelta(days=6)
    return f"LLM weekly digest {digest.week} ({digest.start:%b %d} – {end:%b %d, %Y})"


def _lines(digest: Digest, markdown: bool) -> list[str]:
    out = [f"# {title(digest)}", ""]
    for heading, lines in _sections(digest, markdown):
        out += [f"## {heading}", *lines, ""]
    return out


def _sections(digest: Digest, markdown: bool) -> list[tuple[str, list[str]]]:
    e = (lambda text: str(text)) if markdown else escape
    sections = [("Headline", [f"• {name}: {_change(digest, name)}" for name in HEADLINE])]
    routes = sorted({s for (t, d, s, m) in digest.numbers if t and d == "route"})
    sections.append(("Latency p95 and cost per successful task by route", [
        f"• {e(route)}: p95 {_change(digest, 'latency_p95_ms', 'route', route)}; "
        f"cost/success {_change(digest, 'cost_per_successful_task_usd', 'route', route)}" for route in routes]))
    models = sorted({s for (t, d, s, m) in digest.numbers if t and d == "model"})
    sections.append(("Cost and routing share by model", [
        f"• {e(model)}: cost {_change(digest, 'cost_usd', 'model', model)}; share {_change(digest, 'routing_share', 'model', model)}"
        for model in models]))
    quality = [f"• {name}: {_change(digest, name)}" for name in QUALITY if digest.value(name) is not None]
    sections.append(("Quality and reliability", quality or ["No quality signals logged this week."]))
    sections.append(("What changed", [
        f"• {dimension} {e(value)} first seen {seen:%Y-%m-%d %H:%M} UTC on {', '.join(e(r) for r in routes)}"
        + "".join(f"; moved: {r.metric} on {e(segment_label(r.dimension, r.segment))} {metric_value(r.metric, r.before)} → {metric_value(r.metric, r.now)}"
                  for r in digest.regressions if r.attribution.kind == "version" and value in r.attribution.values)
        for dimension, value, seen, routes in digest.changes] or ["No new prompt, model, release or config versions."]))
    sections.append(("Top regressions", [f"• {e(r.text)}" for r in digest.regressions] or ["None this week."]))
    sections.append(("Cost growing faster than usage", [f"• {e(r.text)}" for r in digest.cost_regressions]
                     or ["Cost per task within 25 % of last week's everywhere."]))
    sections.append(("Alerts", [
        f"• {metric} on {e(segment_label(dimension, segment))} ({severity}): opened {opened:%Y-%m-%d %H:%M},"
        f" {'resolved ' + format(resolved, '%Y-%m-%d %H:%M') if resolved else 'still open'}, lasted {duration(lasted)}"
        for metric, dimension, segment, severity, opened, resolved, lasted in digest.alerts] or ["No alerts this week."]))
    sections.append(("Data quality", [f"• {e(reason)}: {count:,}" for reason, count in digest.data_quality if count]
                     + [f"• unpriced calls: {_change(digest, 'unpriced_rate')}"]))
    return sections


def _change(digest: Digest, metric: str, dimension: str = "all", segment: str = "all") -> str:
    now, before = digest.value(metric, dimension, segment), digest.value(metric, dimension, segment, this_week=False)
    shown = metric_value(metric, now)
    if now is None or before is None:
        return shown
    if is_fraction(metric):
        return f"{shown} ({100 * (now - before):+.1f} pts)"
    return f"{shown} ({100 * (now - before) / before:+.0f}%)" if before else shown
