"""The report's files: one XLSX workbook, PNG charts and one HTML page to print (charts inlined,
so the page is one file to mail or archive). Chinese renders in the charts through the hall box's
WenQuanYi Micro Hei (scripts/setup.sh installs fonts-wqy-microhei); without it matplotlib falls
back to DejaVu and says so once."""

from __future__ import annotations

import base64
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tideq.contract.vocab import Lang, Rating
from tideq.sim.stats import OVER_S

from .figures import Report

log = logging.getLogger(__name__)

CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)


@dataclass(frozen=True)
class Written:
    xlsx: Path
    html: Path
    charts: list[Path]


def stem(r: Report) -> str:
    span = r.first.isoformat() if r.first == r.last else f"{r.first.isoformat()}_{r.last.isoformat()}"
    return f"report-{r.hall}-{span}"


def _zh(r: Report, key: str) -> str:
    return r.names.get(key, key).split(" / ")[0]


def _min(s: float | None) -> float | None:
    return None if s is None else round(s / 60, 1)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


# ---------------------------------------------------------------- tables (one source for XLSX and HTML)
Table = tuple[str, list[str], list[list[Any]]]


def tables(r: Report) -> list[Table]:
    """Every table of the report: (title, header, rows); the XLSX and the HTML show the same."""
    waits = r.all_waits
    over = sum(w > OVER_S for w in waits)
    summary: list[list[Any]] = [
        ["大厅 Hall", r.hall_name],
        ["日期 Period", r.first.isoformat() if r.first == r.last else f"{r.first} – {r.last}"],
        ["取号 Arrivals", r.total_arrivals],
        ["办结 Served", r.total_served],
        ["过号 Skips", sum(s.skips for s in r.services.values())],
        ["未到 No-shows", sum(s.no_shows for s in r.services.values())],
        ["平均等候 Mean wait (min)", _min(sum(waits) / len(waits)) if waits else None],
        ["超30分钟 Over 30 min", f"{over} ({_pct(over / len(waits) if waits else None)})"],
        ["评价 Ratings", r.rated],
        ["满意率 Satisfaction rate", _pct(r.satisfaction)],
        ["潮汐开启 Tidal openings", sum(t.opened for t in r.tidal)],
        ["绿色通道 Green channel", sum(s.green for s in r.services.values())],
        ["补打 Reprints", sum(s.reprints for s in r.services.values())],
        ["事件 Events read", r.events],
    ]
    svc = [
        [
            r.names.get(s.id, s.id),
            s.arrivals,
            s.served,
            s.skips,
            s.no_shows,
            _min(s.mean_wait_s),
            _min(s.p90_wait_s),
            s.over_30,
            _pct(s.over_30 / len(s.waits)) if s.waits else "—",
            s.green,
            s.reprints,
        ]
        for s in r.services.values()
        if s.arrivals or s.served
    ]
    ids = [s.id for s in r.services.values() if s.arrivals]
    hourly = [[f"{h:02d}:00", *[r.hourly[h].get(i, 0) for i in ids], sum(r.hourly[h].values())] for h in r.hourly]
    win = [
        [
            r.names.get(w.id, w.id),
            w.served,
            w.skips,
            w.transfers,
            round(w.busy_s / 3600, 2),
            round(w.staffed_s / 3600, 2),
            round(w.tidal_s / 3600, 2),
            _pct(w.utilisation),
            len(w.ratings),
            round(sum(w.ratings) / len(w.ratings), 2) if w.ratings else None,
        ]
        for w in r.windows.values()
        if w.served or w.staffed_s
    ]
    rat = [[f"{v} {Rating(v).label[Lang.ZH]} {Rating(v).label[Lang.EN]}", r.ratings[v]] for v in range(5, 0, -1)]
    rat.append(["未评价 Not rated", r.not_rated])
    staff = [
        [k, v["served"], v["rated"], _pct(v["satisfied"] / v["rated"] if v["rated"] else None)]
        for k, v in r.staff.items()
    ]
    tidal = [
        [
            t.at.strftime("%Y-%m-%d %H:%M:%S"),
            "开启 opened" if t.opened else "关闭 closed",
            r.names.get(t.window, t.window),
            r.names.get(t.service, t.service),
            t.reason,
            t.by,
            r.names.get(t.moved, t.moved) if t.moved else "",
        ]
        for t in r.tidal
    ]
    days = [
        [
            d.day.isoformat(),
            d.arrivals,
            d.served,
            d.no_shows,
            _min(d.mean_wait_s),
            _min(d.p90_wait_s),
            d.rated,
            _pct(d.satisfied / d.rated if d.rated else None),
        ]
        for d in r.days
    ]
    out: list[Table] = [
        ("概览 Summary", ["项目 Figure", "值 Value"], summary),
        (
            "业务等候 Waits per service",
            [
                "业务 Service",
                "取号 Arrivals",
                "办结 Served",
                "过号 Skips",
                "未到 No-shows",
                "平均 Mean (min)",
                "P90 (min)",
                ">30 min",
                ">30 min %",
                "绿色通道 Green",
                "补打 Reprints",
            ],
            svc,
        ),
        (
            "每小时取号 Arrivals per hour" + (" (合计 period total)" if r.first != r.last else ""),
            ["时段 Hour", *[_zh(r, i) for i in ids], "合计 Total"],
            hourly,
        ),
        (
            "窗口 Windows",
            [
                "窗口 Window",
                "办结 Served",
                "过号 Skips",
                "转出 Transfers",
                "忙 Busy (h)",
                "在岗 Staffed (h)",
                "潮汐 Tidal open (h)",
                "利用率 Utilisation",
                "评价 Rated",
                "均分 Mean rating",
            ],
            win,
        ),
        ("评价 Ratings", ["评价 Rating", "次数 Count"], rat),
    ]
    if staff:
        out.append(("工作人员 Staff", ["工作人员 Staff", "办结 Served", "评价 Rated", "满意率 Satisfaction"], staff))
    out.append(
        (
            "潮汐窗口 Tidal windows",
            ["时间 Time", "动作 Action", "窗口 Window", "业务 Service", "原因 Reason", "决定 By", "调整 Moved"],
            tidal,
        )
    )
    if len(r.days) > 1:
        out.append(
            (
                "每日 Days",
                [
                    "日期 Day",
                    "取号 Arrivals",
                    "办结 Served",
                    "未到 No-shows",
                    "平均 Mean (min)",
                    "P90 (min)",
                    "评价 Rated",
                    "满意率 Satisfaction",
                ],
                days,
            )
        )
    return out


STAFF_NOTE = (
    "工作人员：这些天没有工作人员签到（工号），办结与评价按窗口统计。"
    " Staff: no clerk signed in (工号) on these days; served and ratings are per window."
)


# ---------------------------------------------------------------- XLSX
def write_xlsx(r: Report, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    bold = Font(bold=True)
    for title, header, rows in tables(r):
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for c in ws[1]:
            c.font = bold
        for row in rows:
            ws.append(row)
        for i, h in enumerate(header):
            width = max([len(str(h))] + [len(str(row[i])) for row in rows[:200]]) + 2
            ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = min(60, width)
        ws.freeze_panes = "A2"
    if not r.staff:
        wb["概览 Summary"].append(["注 Note", STAFF_NOTE])
    wb.save(path)
    return path


# ---------------------------------------------------------------- charts
def _matplotlib() -> Any:
    """matplotlib's Figure class with a CJK font; the object API, not pyplot, so the console may
    draw from a worker thread (pyplot keeps global state)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    for f in CJK_FONTS:
        if f.exists():
            font_manager.fontManager.addfont(str(f))
            name = font_manager.FontProperties(fname=str(f)).get_name()
            matplotlib.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
            matplotlib.rcParams["font.family"] = "sans-serif"
            matplotlib.rcParams["axes.unicode_minus"] = False
            break
    else:
        log.warning("no CJK font (install fonts-wqy-microhei): Chinese in the charts shows as boxes")
    return Figure


def write_charts(r: Report, out: Path, base: str) -> list[Path]:
    figure = _matplotlib()
    charts: list[tuple[str, Callable[[Any], None]]] = []
    ids = [s.id for s in r.services.values() if s.arrivals]

    def arrivals(ax: Any) -> None:
        hours = list(range(min(r.hourly), max(r.hourly) + 1)) if r.hourly else []
        bottom = [0] * len(hours)
        for sid in ids:
            ys = [r.hourly.get(h, {}).get(sid, 0) for h in hours]
            ax.bar(hours, ys, bottom=bottom, label=_zh(r, sid))
            bottom = [a + b for a, b in zip(bottom, ys, strict=True)]
        ax.set_xticks(hours, [f"{h:02d}" for h in hours])
        days = (r.last - r.first).days + 1
        ax.set_title("每小时取号 Arrivals per hour" + (f"（{days}天合计 total of {days} days）" if days > 1 else ""))
        ax.set_xlabel("时 hour")
        ax.set_ylabel("张 tickets")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))

    def waits(ax: Any) -> None:
        shown = [s for s in r.services.values() if s.waits]
        names = [_zh(r, s.id) for s in shown]
        y = range(len(shown))
        ax.barh([i + 0.2 for i in y], [(s.mean_wait_s or 0) / 60 for s in shown], 0.4, label="平均 mean")
        ax.barh([i - 0.2 for i in y], [(s.p90_wait_s or 0) / 60 for s in shown], 0.4, label="P90")
        ax.axvline(OVER_S / 60, color="red", ls="--", lw=1, label="30 分钟 min")
        ax.set_yticks(list(y), names)
        ax.invert_yaxis()
        ax.set_title("各业务等候 Waits per service (min)")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))

    def windows(ax: Any) -> None:
        shown = [w for w in r.windows.values() if w.utilisation is not None]
        ax.bar(range(len(shown)), [100 * (w.utilisation or 0) for w in shown], color="#3b7dd8")
        ax.set_xticks(range(len(shown)), [w.id for w in shown])
        ax.set_ylim(0, 105)
        ax.set_title("窗口利用率 Window utilisation (%)")
        ax.set_xlabel("窗口 window")

    def ratings(ax: Any) -> None:
        vs = list(range(5, 0, -1))
        ax.bar(range(5), [r.ratings[v] for v in vs], color="#2e9e5b")
        ax.set_xticks(range(5), [Rating(v).label[Lang.ZH] for v in vs])
        ax.set_title(f"评价 Ratings — 满意率 {_pct(r.satisfaction)}")

    charts = [("arrivals", arrivals), ("waits", waits), ("windows", windows)]
    if r.rated:
        charts.append(("ratings", ratings))
    paths = []
    for name, draw in charts:
        fig = figure(figsize=(9, 3.6), dpi=110)
        ax = fig.subplots()
        draw(ax)
        ax.grid(alpha=0.3, axis="y" if name != "waits" else "x")
        fig.tight_layout()
        path = out / f"{base}-{name}.png"
        fig.savefig(path)
        paths.append(path)
    return paths


# ---------------------------------------------------------------- HTML
CSS = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:16px;color:#222;font-size:13px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:18px 0 6px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:4px 0;width:100%} th,td{border:1px solid #bbb;padding:3px 6px;text-align:left}
th{background:#eef2f7} td.n{text-align:right} img{max-width:100%;page-break-inside:avoid}
section{page-break-inside:avoid} .note{color:#555;font-size:12px}
@page{size:A4;margin:12mm} @media print{body{margin:0}}
"""


def write_html(r: Report, path: Path, charts: list[Path]) -> Path:
    e = html.escape
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{e(r.hall_name)} {e(stem(r))}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(r.hall_name)} — 日报 Daily report</h1>",
        f"<p>{e(r.first.isoformat() if r.first == r.last else f'{r.first} – {r.last}')}</p>",
    ]
    for title, header, rows in tables(r):
        parts.append(f"<section><h2>{e(title)}</h2><table><tr>")
        parts.extend(f"<th>{e(h)}</th>" for h in header)
        parts.append("</tr>")
        for row in rows:
            cells = "".join(
                f"<td class='n'>{e(str(c))}</td>"
                if isinstance(c, int | float)
                else f"<td>{e('—' if c is None else str(c))}</td>"
                for c in row
            )
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table></section>")
        if title.startswith("概览"):
            for c in charts:
                data = base64.b64encode(c.read_bytes()).decode()
                parts.append(f"<section><img alt='{e(c.stem)}' src='data:image/png;base64,{data}'></section>")
    if not r.staff:
        parts.append(f"<p class='note'>{e(STAFF_NOTE)}</p>")
    parts.append(
        "<p class='note'>定义见 docs/reports.md：等候 = 首次叫号 − 取号（预约按时到达自预约时段起）；"
        "P90 线性插值；满意率 = 基本满意及以上 / 全部评价。 Definitions: docs/reports.md.</p></body></html>"
    )
    path.write_text("".join(parts), encoding="utf-8")
    return path


def write_all(r: Report, out: Path) -> Written:
    out.mkdir(parents=True, exist_ok=True)
    base = stem(r)
    charts = write_charts(r, out, base)
    return Written(write_xlsx(r, out / f"{base}.xlsx"), write_html(r, out / f"{base}.html", charts), charts)
