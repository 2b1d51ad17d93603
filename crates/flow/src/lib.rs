//! warden-flow: the flow table.
//!
//! Owns the bidirectional flow table keyed by the normalised 5-tuple plus
//! VLAN ids, the per-flow counters and TCP session state that rules see
//! through `flow:established,to_server` and friends, flow timeouts and the
//! memory cap. Knows nothing of rules: per-flow detection state (flowbits)
//! is kept here only as opaque numeric ids the detection engine assigns.
//!
//! Time is always packet time (the capture's timestamps), so replaying a
//! capture gives the same result however fast it runs.

mod key;
mod table;
mod tcp;

pub use key::{FlowKey, KeyInput};
pub use table::{
    Direction, Flow, FlowConfig, FlowCounters, FlowRef, FlowTable, FlowTimeouts, Tracked,
};
pub use tcp::{TcpSessionState, TcpTracker, TcpUpdate};
