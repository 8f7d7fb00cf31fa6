//! Renderers of build-log diagnoses.
