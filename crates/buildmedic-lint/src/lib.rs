//! buildmedic-lint
