"""A plan written for people and for the push: ``reports/plans/<division>-<unit>/`` with
plan.md (from ``playbooks/runbooks/plan.md.j2``), plan.html (one self-contained page),
configs/<host>.cfg and .rollback.cfg as typed (none for a device done by hand on site),
and checks.yaml; written whole or not at all."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import jinja2
import yaml
from markdown_it import MarkdownIt

from govnet.model.files import writing_folder
from govnet.model.labels import (
    APPROACH_LABELS,
    CARRIER_LABELS,
    EXIT_SIGN_LABELS,
    KIND_LABELS,
    PLATFORM_LABELS,
    category_label,
    target_label,
)
from govnet.model.plans import CONTRACT_ENDED, CONTRACT_MISSING, Cancel, Plan
from govnet.model.verdicts import Verdict
from govnet.plan import paperwork
from govnet.plan.evidence import to_chinese
from govnet.plan.templates import merge_sections
from govnet.plan.word import markdown_to_docx
from govnet.platforms import Dialect

RUNBOOKS = Path("playbooks/runbooks")
Dialects = Mapping[str, Dialect]
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def _md(value: object) -> str:
    """Text for one Markdown table cell or line: no markup, no line breaks, no raw HTML."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def _get_env(runbooks: Sequence[Path]) -> jinja2.Environment:
    return _get_cached_env(tuple(str(r) for r in runbooks))


@functools.lru_cache(maxsize=8)
def _get_cached_env(runbooks: tuple[str, ...]) -> jinja2.Environment:
    """One environment per search path: its compiled templates are kept (and recompiled
    when a file changes), since a run writes many plans and work orders."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(runbooks)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["md"] = _md
    return env


def _get_context(plan: Plan, made_by: str, made_at: str) -> dict[str, Any]:
    """What plan.md.j2 and workorder.md.j2 are rendered with."""
    carriers = {c.value: label for c, label in CARRIER_LABELS.items()}
    kinds = {k.value: label for k, label in KIND_LABELS.items()}
    access = plan.access
    if access is None or access.category is None:
        access_text = "未接入电子政务外网"
    else:
        access_text = category_label(access.category)

    def evidence(v: Verdict) -> str:
        shown = [to_chinese(e) for e in v.evidence[:3]]
        return "；".join(shown) + ("…" if len(v.evidence) > 3 else "")

    def money(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    roles = paperwork.CONTACT_ROLES
    return dict(
        plan=plan,
        made_by=made_by,
        made_at=made_at,
        access_text=access_text,
        label=lambda t: target_label(str(t)),
        platform=lambda name: PLATFORM_LABELS.get(name, name),
        evidence=evidence,
        money=money,
        carrier=lambda c: carriers.get(c, c or "—"),
        kind=lambda k: kinds.get(k, k or "—"),
        order=get_order_cells,
        sign=lambda sign: EXIT_SIGN_LABELS.get(sign, sign),
        approach=lambda name: APPROACH_LABELS.get(name, name),
        bandwidth=lambda mbps: "—" if mbps is None else f"{mbps:g}M",
        contact_role=lambda role: roles.get(role, role) if role else "＿＿＿＿",
        window_text=str(plan.window) if plan.window else "未定（待填写）",
        timeline=paperwork.get_timeline(plan),
        work_minutes=paperwork.get_work_minutes(plan),
        rollback_minutes=paperwork.get_rollback_reserve(plan),
        rollback_step=paperwork.ROLLBACK_MINUTES,
        on_site=paperwork.ON_SITE_MINUTES,
        fit=paperwork.get_fit(plan),
        go=paperwork.get_go_criteria(plan),
        rollback_criteria=paperwork.get_rollback_criteria(plan),
        acceptance=paperwork.get_acceptance(plan),
        workorder_files=[get_workorder_name(c) for c in plan.get_carriers()],
    )


def get_workorder_name(carrier: str | None) -> str:
    """A carrier's work order file, without suffix: workorder-telecom (the ledger's code)."""
    return f"workorder-{carrier or 'unknown'}"


def plan_to_markdown(
    plan: Plan, made_by: str, made_at: str, runbooks: Sequence[Path], dialects: Dialects
) -> str:
    """plan.md: window and people, scope with evidence, risks, checks, steps with configs,
    acceptance, lines to cancel, sign-off. ``runbooks``: the folders holding plan.md.j2,
    searched in order (the project's first)."""
    return (
        _get_env(runbooks)
        .get_template("plan.md.j2")
        .render(
            **_get_context(plan, made_by, made_at),
            push_lines=lambda lines, platform: dialects[platform].to_push_lines(lines),
        )
    )


def get_workorders(
    plan: Plan, made_by: str, made_at: str, runbooks: Sequence[Path]
) -> dict[str, str]:
    """Each carrier's work order (workorder.md.j2) by file name: what it opens or carries
    before the window, and the lines it cancels after the observation period."""
    template = _get_env(runbooks).get_template("workorder.md.j2")
    context = _get_context(plan, made_by, made_at)
    cancels = plan.get_work_orders()
    return {
        get_workorder_name(carrier): template.render(
            **context,
            carrier_key=carrier,
            items=[o for o in plan.orders if o.carrier == carrier],
            cancels=cancels.get(carrier, []),
        )
        for carrier in plan.get_carriers()
    }


def get_order_cells(cancel: Cancel) -> dict[str, str]:
    """A work order row's contract cells in Chinese: dates as dates, and 合同信息缺失：请核实
    where the ledger has no contract (nothing is invented)."""
    missing = "合同信息缺失：请核实"
    bandwidth = cancel.bandwidth_mbps
    cells = {
        "bandwidth": "—" if bandwidth is None else f"{bandwidth:g}M",
        "a_end": cancel.a_end or "—",
        "z_end": cancel.z_end or "—",
    }
    if cancel.contract == CONTRACT_MISSING:
        start = f"{cancel.contract_start} 起，" if cancel.contract_start else ""
        terms = cancel.termination_terms or missing
        return cells | {"term": start + missing, "notice": missing, "free": missing, "terms": terms}
    start = str(cancel.contract_start) if cancel.contract_start else "（起始日未载明）"
    cells["term"] = f"{start} 至 {cancel.contract_end}"
    cells["notice"] = "未载明：请核实" if cancel.notice_days is None else f"{cancel.notice_days} 天"
    if cancel.contract == CONTRACT_ENDED:
        cells["free"] = f"{cancel.free_from}（合同已于 {cancel.contract_end} 到期）"
        cells["terms"] = cancel.termination_terms or "未载明（合同已到期）"
        return cells
    by = f"，最迟于 {cancel.notice_by} 书面通知" if cancel.notice_by else ""
    early = cancel.free_from != cancel.contract_end
    cells["free"] = f"{cancel.free_from}（合同未到期{'，通知期已赶不上到期日' if early else by}）"
    cells["terms"] = cancel.termination_terms or "未载明：请核实合同"
    return cells


_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#222;line-height:1.5}}
h1{{border-bottom:3px solid #b22;padding-bottom:.3em}}
h2{{border-bottom:1px solid #ccc;margin-top:2em}}
table{{border-collapse:collapse;margin:1em 0;font-size:.92em}}
th,td{{border:1px solid #bbb;padding:.3em .6em;vertical-align:top}} th{{background:#f2f2f2}}
pre{{background:#f7f7f7;border:1px solid #ddd;padding:.8em;overflow-x:auto;font-size:.9em}}
code{{font-family:"DejaVu Sans Mono",Consolas,monospace}}
@media print{{pre{{white-space:pre-wrap}} h3{{page-break-after:avoid}}}}
</style></head><body>
{body}
</body></html>
"""


def markdown_to_html(markdown: str, title: str) -> str:
    """One self-contained page (inline CSS, nothing fetched); raw HTML in the text is escaped."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return _HTML.format(title=escape(title), body=md.render(markdown))


def checks_to_yaml(plan: Plan) -> str:
    data = {
        "unit": plan.unit,
        "survey_run": plan.survey_run_id,
        "classification": plan.classify_run_id,
        "pre": [c.to_dict() for c in plan.prechecks],
        "post": [c.to_dict() for s in plan.steps for c in s.checks],
        "city_requests": [r.to_dict() for r in plan.requests],  # not pushed: asked for
        "system_requests": [r.to_dict() for r in plan.system_requests],
        # the carriers' work orders: asked for once the step shutting each line has passed
        "cancel": [c.to_dict() for c in plan.cancel],
        # asked of the carriers before the window: VLANs carried, an access opened
        "carrier_orders": [o.to_dict() for o in plan.orders],
        "window": None if plan.window is None else str(plan.window),
        "minutes": {s.number: s.minutes for s in plan.steps},
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def get_host_parts(plan: Plan, dialects: Dialects) -> dict[str, dict[str, Any]]:
    """Each host's share of the plan as pushed (JSON-ready, kept in the store with the plan):
    platform, the steps, the lines typed (configuration and rollback, whole and per step:
    push checks each step before it types the next), pre- and post-checks (a pre-check on a
    router the plan does not change goes with the first host pushed)."""
    parts: dict[str, dict[str, Any]] = {}
    for host in plan.hosts:
        steps = [s for s in plan.steps if s.host == host]
        platform = steps[0].platform
        dialect = dialects[platform]
        step_config = [(s.number, dialect.to_push_lines(s.config)) for s in steps]
        parts[host] = {
            "platform": platform,
            "steps": [s.number for s in steps],
            "approaches": [s.approach for s in steps],
            "manual": next((s.manual for s in steps if s.manual), None),
            # the steps' lines one after another: what configs/<host>.cfg holds
            "config": [line for _n, lines in step_config for line in lines],
            "step_config": step_config,
            "step_rollback": [(s.number, dialect.to_push_lines(s.rollback)) for s in steps],
            "rollback": dialect.to_push_lines(plan.get_rollback(host)),
            "pre": [
                c.to_dict()
                for c in plan.prechecks
                if c.host == host
                or (
                    # a baseline on a router the plan does not change (a ping from another
                    # router): proved before the plan's first push changes anything
                    c.host not in plan.hosts and host == plan.hosts[0]
                )
            ],
            "post": [c.to_dict() for s in steps for c in s.checks],
        }
        session = next((s.session for s in steps if s.session is not None), None)
        if session is not None:  # shared with the PE's other plans (govnet.push.shared)
            parts[host]["session"] = {
                "peers": session.peers,
                "builder": session.builder,
                "config": dialect.to_push_lines(session.config),
                "rollback": dialect.to_push_lines(session.rollback),
            }
            if session.builder is None:  # its rollback keeping them, for others still using them
                keep = plan.get_rollback(host, sessions=False)
                parts[host]["rollback_keep"] = dialect.to_push_lines(keep)
            else:  # its rollback as their last user: undoing them too
                last = merge_sections([*plan.get_rollback(host), *session.rollback])
                parts[host]["rollback_last"] = dialect.to_push_lines(last)
    return parts


def get_plan_dir(reports: Path, plan: Plan) -> Path:
    return reports / "plans" / f"{plan.division_code}-{plan.unit}"


def write_plan(
    plan: Plan,
    reports: Path,
    made_by: str,
    made_at: str,
    runbooks: Sequence[Path],
    dialects: Dialects,
) -> Path:
    """Write the plan's folder whole or not at all: built aside, then swapped in."""
    target = get_plan_dir(reports, plan)
    markdown = plan_to_markdown(plan, made_by, made_at, runbooks, dialects)
    title = f"割接方案：{plan.unit_name}"
    html = markdown_to_html(markdown, title)
    with writing_folder(target) as work:
        (work / "plan.md").write_text(markdown, encoding="utf-8")
        (work / "plan.html").write_text(html, encoding="utf-8")
        markdown_to_docx(markdown, title, work / "plan.docx")
        for name, text in get_workorders(plan, made_by, made_at, runbooks).items():
            (work / f"{name}.md").write_text(text, encoding="utf-8")
            markdown_to_docx(text, name, work / f"{name}.docx")
        (work / "checks.yaml").write_text(checks_to_yaml(plan), encoding="utf-8")
        configs = work / "configs"
        configs.mkdir()
        for host, part in get_host_parts(plan, dialects).items():
            files = [(f"{host}.cfg", part["config"])]
            if not part["manual"]:  # a manual host has no rollback: it stays disconnected
                files.append((f"{host}.rollback.cfg", part["rollback"]))
            for name, lines in files:
                (configs / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
