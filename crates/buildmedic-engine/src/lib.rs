//! buildmedic-engine
