//! Renderers of lint reports.
