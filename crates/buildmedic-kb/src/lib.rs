//! buildmedic-kb
