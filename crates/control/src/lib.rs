//! warden's control socket: a running engine listens on a Unix socket
//! (`--unix-socket PATH`) and `warden ctl` talks to it.
//!
//! The protocol is JSON lines: the client writes one request object per
//! line, the server answers each with one reply object per line, in order,
//! on the same connection (see [`protocol`]). Commands are plain closures
//! registered by name in a [`Dispatcher`]; this crate knows none of them
//! (the engine registers `version`, `bypass`, `shutdown`, ...), only how
//! requests arrive, are checked, dispatched and answered ([`server`]), and
//! how a client sends one ([`client`]).
//!
//! The crate knows nothing of packets or rules, so the request parser can
//! be fuzzed and the server tested on its own.

pub mod client;
pub mod dispatch;
pub mod protocol;
pub mod server;

pub use dispatch::{Dispatcher, Handler};
pub use protocol::{parse_request, Reply, Request, RequestError};
pub use server::{Server, ServerLimits};

/// Where the control socket lives when no path is given.
pub const DEFAULT_SOCKET: &str = "/run/warden/warden.sock";
