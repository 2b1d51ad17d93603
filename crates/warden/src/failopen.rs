//! Fail-open for the AF_PACKET bridge (`-Q -i A:B --fail-open`): traffic
//! keeps flowing when the inspecting process dies.
//!
//! The process started by the operator becomes a small supervisor; the
//! engine (rules, flows: the memory an OOM killer would pick) runs in a
//! child process with the same command line. While no healthy engine is
//! up (at start, while rules load, after a crash) the supervisor joins each
//! pair in the kernel: a `tc` ingress filter on each interface redirects
//! every frame to its peer (`mirred egress redirect`), uninspected. Once
//! the engine says its bridge is up, the filters are removed and frames go
//! through warden again. A dead engine is restarted after a short pause.
//!
//! The filters live in each interface's `clsact` qdisc (created if
//! missing) at preference [`TC_PREF`], so other filters an operator keeps
//! there are left alone. SIGINT/SIGTERM stop the engine cleanly, remove
//! the filters and end the supervisor.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::live::{install_stop_handlers, stop_requested, Interfaces, BRIDGE_UP};

/// Environment variable marking the engine child (it must not supervise).
pub(crate) const ENGINE_ENV: &str = "WARDEN_FAIL_OPEN_ENGINE";

/// Preference of warden's bypass filters in the interfaces' ingress hook.
const TC_PREF: &str = "49017";

/// Pause before restarting an engine that died.
const RESTART_PAUSE: Duration = Duration::from_secs(1);

/// Whether this process is the engine started by a supervisor.
pub(crate) fn is_engine_child() -> bool {
    std::env::var_os(ENGINE_ENV).is_some()
}

/// The kernel bypass of every pair.
struct Bypass<'a> {
    pairs: Vec<(&'a str, &'a str)>,
    on: bool,
}

impl<'a> Bypass<'a> {
    fn new(ifaces: &'a Interfaces) -> Result<Bypass<'a>> {
        let pairs: Vec<(&str, &str)> = ifaces
            .entries
            .iter()
            .filter_map(|(a, b)| b.as_deref().map(|b| (a.as_str(), b)))
            .collect();
        if pairs.is_empty() {
            bail!("--fail-open needs inline pairs (-Q -i A:B)");
        }
        Ok(Bypass { pairs, on: false })
    }

    /// Frames cross each pair in the kernel, uninspected.
    fn enable(&mut self) -> Result<()> {
        for &(a, b) in &self.pairs {
            for (from, to) in [(a, b), (b, a)] {
                // the qdisc may exist already (ours from a crash, or the
                // operator's): only the filter is ours
                let _ = tc(&["qdisc", "add", "dev", from, "clsact"]);
                let _ = tc(&["filter", "del", "dev", from, "ingress", "pref", TC_PREF]);
                tc(&[
                    "filter", "add", "dev", from, "ingress", "pref", TC_PREF, "protocol", "all",
                    "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect",
                    "dev", to,
                ])
                .with_context(|| format!("cannot bypass {from} -> {to} with tc"))?;
            }
        }
        if !self.on {
            eprintln!("warden: fail-open: bypass on (traffic crosses uninspected)");
        }
        self.on = true;
        Ok(())
    }

    /// Frames go through warden again.
    fn disable(&mut self) {
        for &(a, b) in &self.pairs {
            for dev in [a, b] {
                let _ = tc(&["filter", "del", "dev", dev, "ingress", "pref", TC_PREF]);
            }
        }
        if self.on {
            eprintln!("warden: fail-open: bypass off (traffic inspected)");
        }
        self.on = false;
    }
}

fn tc(args: &[&str]) -> Result<()> {
    let out = Command::new("tc")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("cannot run tc (iproute2)")?;
    if !out.status.success() {
        bail!(
            "tc {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Runs the engine as a child and keeps traffic flowing around it
/// whenever it is not up. Returns when SIGINT/SIGTERM arrives.
pub(crate) fn supervise(ifaces: &Interfaces) -> Result<ExitCode> {
    let mut bypass = Bypass::new(ifaces)?;
    install_stop_handlers();
    bypass.enable()?;
    let exe = std::env::current_exe().context("cannot find warden's own executable")?;
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let mut code = ExitCode::SUCCESS;
    while !stop_requested() {
        let up = Arc::new(AtomicBool::new(false));
        let mut child = Command::new(&exe)
            .args(&args)
            .env(ENGINE_ENV, "1")
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start the engine process")?;
        eprintln!("warden: fail-open: engine pid {}", child.id());
        // relay the engine's messages and notice when its bridge is up
        if let Some(err) = child.stderr.take() {
            let up = up.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines().map_while(|l| l.ok()) {
                    if line.contains(BRIDGE_UP) {
                        up.store(true, Ordering::Relaxed);
                    }
                    eprintln!("{line}");
                }
            });
        }
        let status = loop {
            if up.load(Ordering::Relaxed) && bypass.on {
                bypass.disable();
            }
            if let Some(status) = child.try_wait().context("waiting for the engine")? {
                break Some(status);
            }
            if stop_requested() {
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        match status {
            Some(status) => {
                bypass.enable()?;
                eprintln!("warden: fail-open: engine ended ({status}); restarting");
                let until = Instant::now() + RESTART_PAUSE;
                while Instant::now() < until && !stop_requested() {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            None => {
                code = stop_engine(&mut child);
                break;
            }
        }
    }
    bypass.disable();
    Ok(code)
}

/// Asks the engine to stop (SIGTERM), waits 10 s at most, then kills it.
#[allow(unsafe_code)]
fn stop_engine(child: &mut std::process::Child) -> ExitCode {
    // SAFETY: signalling our own child process by its id.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if let Ok(Some(s)) = child.try_wait() {
            return if s.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    ExitCode::from(1)
}
