"""Hall files: the example is valid; mistakes are named with file, line, field and fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tideq.config import EXAMPLE_HALL, ConfigError, load

GOOD = EXAMPLE_HALL.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "hall.toml"
    p.write_text(text, encoding="utf-8")
    return p


def tideq(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tideq.cli", *args], capture_output=True, text=True)


def test_example_hall_is_realistic():
    cfg = load(EXAMPLE_HALL).hall
    assert cfg.hall.id == "xian-hitech"
    assert 7 <= len(cfg.services) <= 10 and 18 <= len(cfg.windows) <= 24
    assert sum(w.tidal_pool for w in cfg.windows) == 4
    assert cfg.hall.hours.sat, "weekend service (周末不打烊)"
    assert {"企业开办", "税务", "社保医保", "不动产登记", "公积金", "惠企政策兑现", "综合咨询"} <= {
        part for s in cfg.services for part in [s.name.zh.split(" ")[0].replace("办理", "")]
    }


def test_check_config_ok():
    r = tideq("check-config", str(EXAMPLE_HALL))
    assert r.returncode == 0 and "xian-hitech" in r.stdout


def test_typo_is_an_error_with_line_and_suggestion(tmp_path):
    bad = GOOD.replace("daily_quota = 300", "daly_quota = 300", 1)
    line = bad.splitlines().index("daly_quota = 300") + 1
    r = tideq("check-config", str(write(tmp_path, bad)))
    assert r.returncode == 2
    assert f"hall.toml:{line}:" in r.stderr and "services.0.daly_quota" in r.stderr
    assert "did you mean 'daily_quota'" in r.stderr


def test_every_problem_is_listed(tmp_path):
    bad = (
        GOOD.replace('prefix = "B"', 'prefix = "b"', 1)
        .replace('mon = ["09:00-12:00", "13:00-17:30"]', 'mon = ["9-12"]', 1)
        .replace('timezone = "Asia/Shanghai"', 'timezone = "Asia/Xian"', 1)
    )
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, bad))
    paths = {p.path for p in info.value.problems}
    assert {"services.1.prefix", "hall.hours.mon", "hall.timezone"} <= paths
    assert all(p.line for p in info.value.problems)
    assert "HH:MM-HH:MM" in str(info.value)


def test_reference_errors_name_the_fix(tmp_path):
    bad = GOOD.replace('services = ["tax"]', 'services = ["taxes"]', 1)
    with pytest.raises(ConfigError, match="unknown service 'taxes'"):
        load(write(tmp_path, bad))


def test_toml_syntax_error_has_line(tmp_path):
    bad = GOOD.replace('id = "xian-hitech"', 'id = "xian-hitech', 1)
    r = tideq("check-config", str(write(tmp_path, bad)))
    assert r.returncode == 2 and "not valid TOML" in r.stderr and "hall.toml:" in r.stderr


def test_env_overrides(tmp_path):
    cfg = load(EXAMPLE_HALL, env={"TIDEQ_BROKER__URL": "mqtt://10.0.0.5:1884", "TIDEQ_RULES__MAX_CALLS": "5"})
    assert cfg.hall.broker.url == "mqtt://10.0.0.5:1884" and cfg.hall.rules.max_calls == 5
    with pytest.raises(ConfigError, match=r"broker\.url"):
        load(EXAMPLE_HALL, env={"TIDEQ_BROKER__URL": "localhost"})


def test_newer_schema_version_says_upgrade(tmp_path):
    with pytest.raises(ConfigError, match="upgrade tideq"):
        load(write(tmp_path, GOOD.replace("schema_version = 1", "schema_version = 9")))


def test_configuration_reference_is_current():
    """docs/configuration.md is generated from the schema; regenerate it when the schema changes."""
    r = subprocess.run(
        [sys.executable, "scripts/gen_config_doc.py", "--check"], cwd=Path(__file__).resolve().parents[2]
    )
    assert r.returncode == 0, "run: python scripts/gen_config_doc.py"


POOL_19 = '[[windows]]\nid = "19"\nname = { zh = "19号窗口（潮汐）", en = "Window 19 (tidal)" }\ntidal_pool = true\n'


def test_pool_services_default_to_every_service_and_can_be_narrowed(tmp_path):
    assert POOL_19 in GOOD
    cfg = load(EXAMPLE_HALL).hall
    assert cfg.pool_services("19") == [s.id for s in cfg.services]
    assert cfg.pool_services("5") == [], "a window outside the pool has no pool services"
    narrowed = GOOD.replace(POOL_19, POOL_19 + 'pool_services = ["tax", "business-setup"]\n', 1)
    cfg = load(write(tmp_path, narrowed)).hall
    assert cfg.pool_services("19") == ["business-setup", "tax"]  # hall-file order
    assert cfg.pool_services("20") == [s.id for s in cfg.services]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["taxes"]', "unknown service 'taxes'"),
        ("[]", "is empty"),
        ('["tax", "tax"]', "lists a service twice"),
    ],
)
def test_pool_services_errors_name_the_field(tmp_path, value, message):
    bad = GOOD.replace(POOL_19, POOL_19 + f"pool_services = {value}\n", 1)
    with pytest.raises(ConfigError, match=message) as info:
        load(write(tmp_path, bad))
    assert "pool_services" in str(info.value)


def test_pool_services_only_on_a_pool_window(tmp_path):
    bad = GOOD.replace('services = ["tax"]\n', 'services = ["tax"]\npool_services = ["tax"]\n', 1)
    with pytest.raises(ConfigError, match=r"pool_services .*only a tidal pool window"):
        load(write(tmp_path, bad))


INDUSTRY_SERVICE = 'service = "engineering-permit"\nmaterials = [{ zh = "消防安全检查申请表"'


def test_industries_in_the_example_hall():
    cfg = load(EXAMPLE_HALL).hall
    ids = {i.id for i in cfg.industries}
    assert {"restaurant", "retail", "pharmacy", "hotel", "gym"} <= ids
    permits = {p.name.zh for i in cfg.industries for p in i.permits}
    assert {"营业执照", "食品经营许可证", "公共场所卫生许可证", "特种行业许可证（旅馆业）"} <= permits
    assert all(p.materials for i in cfg.industries for p in i.permits)


def test_industry_unknown_service_names_line_field_and_fix(tmp_path):
    assert INDUSTRY_SERVICE in GOOD
    bad = GOOD.replace(INDUSTRY_SERVICE, INDUSTRY_SERVICE.replace("engineering-permit", "fire-check"), 1)
    line = bad.splitlines().index('service = "fire-check"') + 1
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, bad))
    (problem,) = info.value.problems
    assert problem.line == line
    assert problem.path.startswith("industries.") and problem.path.endswith(".service") and ".permits." in problem.path
    assert "unknown service 'fire-check'" in problem.message and "engineering-permit" in problem.message


def test_industry_ids_unique_and_url_checked(tmp_path):
    bad = GOOD.replace('id = "gym"', 'id = "hotel"', 1)
    with pytest.raises(ConfigError, match="two industries share the id 'hotel'"):
        load(write(tmp_path, bad))
    bad = GOOD.replace('online_url = "https://zwfw.shaanxi.gov.cn/"', 'online_url = "zwfw.shaanxi.gov.cn"', 1)
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, bad))
    assert any(p.path == "industries.0.online_url" and p.line for p in info.value.problems)
