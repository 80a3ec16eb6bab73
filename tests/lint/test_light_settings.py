"""openapi-schema-validator's one setting is served without pydantic-settings, with the same value,
and the real settings module still reads the variable when a user sets it."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import sys
from contractkit.lint.speedups import light_validator_settings
light_validator_settings()
import openapi_schema_validator
from openapi_schema_validator.settings import get_settings
print(get_settings().compiled_validator_cache_max_size, "pydantic_settings" in sys.modules)
"""


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENAPI_SCHEMA_VALIDATOR_")}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
                          env={**clean, **env}, check=True)
    return done.stdout.strip()


def test_the_default_is_served_without_importing_pydantic_settings() -> None:
    assert _probe() == "128 False"


def test_a_user_setting_is_read_by_the_real_settings_module() -> None:
    assert _probe(OPENAPI_SCHEMA_VALIDATOR_COMPILED_VALIDATOR_CACHE_MAX_SIZE="7") == "7 True"
