//! The engine's side of the control socket (`--unix-socket PATH`): the
//! commands a running warden answers, and the state they switch.
//!
//! The socket, the JSON-lines protocol and the dispatcher are
//! `warden-control`'s; this module registers the engine's commands:
//!
//! - `version`: warden's version and run mode;
//! - `bypass on|off`: the kill switch. `on` takes warden out of the path
//!   of every inline pair: the kernel forwards each frame to the peer
//!   interface ([`KernelBypass`], tc mirred) and warden discards what its
//!   sockets still read; without tc, warden forwards frames itself without
//!   inspecting them. `off` restores inspection. Refused in passive mode,
//!   where warden is not in the path;
//! - `shutdown`: a clean stop, as SIGTERM;
//! - in live modes, the ruleset and stats commands of
//!   [`crate::ruleset_commands`] (`reload`, `rollback`, `ruleset-diff`,
//!   `rules`, `stats`, `shadow`).
//!
//! The packet loop reads the bypass state once per frame
//! ([`EngineControl::inspection`], one relaxed atomic load); any capture
//! source with verdicts (AF_PACKET here, NFQUEUE too) honours it the same
//! way: accept without inspection while bypassed.

use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use serde_json::{json, Value};
use warden_control::dispatch::expect_args;
use warden_control::{Dispatcher, Server, ServerLimits};

use crate::bypass::KernelBypass;
use crate::live::{request_stop, Interfaces};
use crate::live_control::Shared;

/// What the packet loop does with a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Inspection {
    /// Inspect it and apply the verdict.
    On,
    /// Bypass on, warden forwards the frame uninspected (no kernel path).
    BypassForward,
    /// Bypass on, the kernel forwards the frame: warden discards its copy.
    BypassDiscard,
}

impl Inspection {
    fn from_u8(v: u8) -> Inspection {
        match v {
            1 => Inspection::BypassForward,
            2 => Inspection::BypassDiscard,
            _ => Inspection::On,
        }
    }
    fn to_u8(self) -> u8 {
        match self {
            Inspection::On => 0,
            Inspection::BypassForward => 1,
            Inspection::BypassDiscard => 2,
        }
    }
}

/// State the control commands switch and the packet loop reads.
#[derive(Debug)]
pub(crate) struct EngineControl {
    inspection: AtomicU8,
    /// The kernel path around each inline pair; `None` in passive mode.
    kernel: Mutex<Option<KernelBypass>>,
    mode: &'static str,
}

impl EngineControl {
    /// Control state for a live run over `ifaces` (`inline`: `-Q`).
    pub(crate) fn new(ifaces: &Interfaces, inline: bool) -> Arc<EngineControl> {
        let kernel = if inline {
            KernelBypass::new(ifaces).ok()
        } else {
            None
        };
        Arc::new(EngineControl {
            inspection: AtomicU8::new(0),
            kernel: Mutex::new(kernel),
            mode: if inline { "inline" } else { "ids" },
        })
    }

    /// What to do with the next frame.
    #[inline]
    pub(crate) fn inspection(&self) -> Inspection {
        Inspection::from_u8(self.inspection.load(Ordering::Relaxed))
    }

    fn set(&self, i: Inspection) {
        self.inspection.store(i.to_u8(), Ordering::Relaxed);
    }

    /// Turns the kill switch on or off; the reply says where traffic
    /// flows.
    pub(crate) fn bypass(&self, on: bool) -> Result<Value, String> {
        let mut guard = self
            .kernel
            .lock()
            .map_err(|_| "bypass state unavailable".to_string())?;
        let Some(kernel) = guard.as_mut() else {
            return Err(match self.mode {
                "nfqueue" => {
                    "bypass applies to the inline bridge (-Q -i A:B): NFQUEUE fails open in \
                     the kernel (the firewall rule's bypass flag, nfq.fail-open)"
                        .into()
                }
                _ => "bypass applies to the inline bridge (-Q -i A:B): in IDS mode warden is not \
                     in the path"
                    .into(),
            });
        };
        let before = self.inspection();
        if on {
            if before != Inspection::On {
                return Ok(bypass_reply(before, false, None));
            }
            // the kernel path first, then warden stops forwarding: frames
            // may cross twice for an instant, none is lost
            match kernel.enable() {
                Ok(()) => {
                    self.set(Inspection::BypassDiscard);
                    eprintln!("warden: control: kill switch on: traffic crosses uninspected (kernel path)");
                    Ok(bypass_reply(Inspection::BypassDiscard, true, None))
                }
                Err(e) => {
                    self.set(Inspection::BypassForward);
                    eprintln!("warden: control: kill switch on: traffic crosses uninspected (forwarded by warden: {e:#})");
                    Ok(bypass_reply(
                        Inspection::BypassForward,
                        true,
                        Some(format!("{e:#}")),
                    ))
                }
            }
        } else {
            if before == Inspection::On {
                return Ok(bypass_reply(before, false, None));
            }
            // warden forwards again before the kernel path goes
            self.set(Inspection::On);
            if kernel.is_on() {
                kernel.disable();
            }
            eprintln!("warden: control: kill switch off: traffic inspected again");
            Ok(bypass_reply(Inspection::On, true, None))
        }
    }

    /// Control state for a mode with no bypass of its own (NFQUEUE: the
    /// kernel's queue flags do that job).
    pub(crate) fn without_bypass(mode: &'static str) -> Arc<EngineControl> {
        Arc::new(EngineControl {
            inspection: AtomicU8::new(0),
            kernel: Mutex::new(None),
            mode,
        })
    }

    /// Removes the kernel path if the kill switch left it on (at exit).
    pub(crate) fn release(&self) {
        if let Ok(mut g) = self.kernel.lock() {
            if let Some(k) = g.as_mut().filter(|k| k.is_on()) {
                k.disable();
            }
        }
        self.set(Inspection::On);
    }
}

fn bypass_reply(state: Inspection, changed: bool, why_no_kernel: Option<String>) -> Value {
    let (bypass, path) = match state {
        Inspection::On => ("off", "warden (inspected)"),
        Inspection::BypassForward => ("on", "warden (uninspected)"),
        Inspection::BypassDiscard => ("on", "kernel (tc mirred)"),
    };
    let mut v = json!({ "bypass": bypass, "changed": changed, "path": path });
    if let Some(why) = why_no_kernel {
        v["kernel_path_error"] = json!(why);
    }
    v
}

const BYPASS_USAGE: &str =
    "bypass on|off: kill switch; on: traffic crosses uninspected, off: inspection restored";

/// The engine's command table; with `live`, the ruleset and stats
/// commands too ([`crate::ruleset_commands`]).
pub(crate) fn dispatcher(ctl: Arc<EngineControl>, live: Option<Arc<Shared>>) -> Dispatcher {
    let mut d = Dispatcher::new();
    let mode = ctl.mode;
    d.register(
        "version",
        "version: warden's version and run mode",
        move |args| {
            expect_args(args, 0, "version")?;
            Ok(json!({
                "version": env!("CARGO_PKG_VERSION"),
                "mode": mode,
                "pid": std::process::id(),
            }))
        },
    );
    let c = ctl.clone();
    d.register("bypass", BYPASS_USAGE, move |args| {
        expect_args(args, 1, "bypass on|off")?;
        match args[0].as_str() {
            "on" => c.bypass(true),
            "off" => c.bypass(false),
            other => Err(format!("bypass takes on or off, not {other:?}")),
        }
    });
    d.register(
        "shutdown",
        "shutdown: stop cleanly (flows closed, logs and stats written)",
        |args| {
            expect_args(args, 0, "shutdown")?;
            request_stop();
            Ok(json!("shutting down"))
        },
    );
    if let Some(shared) = live {
        crate::ruleset_commands::register(&mut d, shared);
    }
    d
}

/// Opens the control socket at `path` with the engine's commands.
pub(crate) fn start(
    path: &Path,
    ctl: Arc<EngineControl>,
    live: Option<Arc<Shared>>,
) -> Result<Server> {
    let s = Server::start(path, dispatcher(ctl, live), ServerLimits::default())
        .with_context(|| format!("cannot open the control socket {}", path.display()))?;
    eprintln!("warden: control socket {}", path.display());
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_control::{Reply, Request};

    fn passive() -> Arc<EngineControl> {
        let i = crate::live::parse_interfaces(&["eth0".into()], false).unwrap();
        EngineControl::new(&i, false)
    }

    #[test]
    fn version_names_the_release_and_mode() {
        let d = dispatcher(passive(), None);
        let Reply::Ok(v) = d.dispatch(&Request::new("version", &[])) else {
            panic!("version answers");
        };
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["mode"], "ids");
        assert!(!d.dispatch(&Request::new("version", &["x"])).is_ok());
    }

    #[test]
    fn bypass_is_refused_when_warden_is_not_in_the_path_or_asked_badly() {
        let ctl = passive();
        let d = dispatcher(ctl.clone(), None);
        let Reply::Refused(why) = d.dispatch(&Request::new("bypass", &["on"])) else {
            panic!("refused in IDS mode");
        };
        assert!(why.contains("-Q"), "{why}");
        assert_eq!(ctl.inspection(), Inspection::On);
        for args in [&[][..], &["maybe"], &["on", "off"]] {
            assert!(
                !d.dispatch(&Request::new("bypass", args)).is_ok(),
                "{args:?}"
            );
        }
    }

    #[test]
    fn the_help_lists_the_engine_commands() {
        let d = dispatcher(passive(), None);
        assert_eq!(d.names(), ["help", "version", "bypass", "shutdown"]);
    }
}
