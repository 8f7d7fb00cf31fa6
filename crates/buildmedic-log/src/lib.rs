//! buildmedic-log
