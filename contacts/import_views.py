"""The contacts import: the same engine and pages as the opt-outs import (imports.views)."""

from __future__ import annotations

from imports import views as imports

from .import_target import NAME

import_start, import_map, import_job, import_invalid = imports.views_for(NAME)
