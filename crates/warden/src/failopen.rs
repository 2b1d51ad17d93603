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
//! through warden again. A dead engine is restarted after a short pause;
//! one that stops cleanly (`warden ctl shutdown`) ends the supervisor too.
//!
//! The filters are [`crate::bypass::KernelBypass`]'s. SIGINT/SIGTERM stop
//! the engine cleanly, remove the filters and end the supervisor.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::bypass::KernelBypass;
use crate::live::{install_stop_handlers, stop_requested, Interfaces, BRIDGE_UP};

/// Environment variable marking the engine child (it must not supervise).
pub(crate) const ENGINE_ENV: &str = "WARDEN_FAIL_OPEN_ENGINE";

/// Pause before restarting an engine that died.
const RESTART_PAUSE: Duration = Duration::from_secs(1);

/// Whether this process is the engine started by a supervisor.
pub(crate) fn is_engine_child() -> bool {
    std::env::var_os(ENGINE_ENV).is_some()
}

/// Turns the kernel bypass on, saying so when it was off.
fn bypass_on(b: &mut KernelBypass) -> Result<()> {
    let was = b.is_on();
    b.enable()?;
    if !was {
        eprintln!("warden: fail-open: bypass on (traffic crosses uninspected)");
    }
    Ok(())
}

/// Turns the kernel bypass off, saying so when it was on.
fn bypass_off(b: &mut KernelBypass) {
    let was = b.is_on();
    b.disable();
    if was {
        eprintln!("warden: fail-open: bypass off (traffic inspected)");
    }
}

/// Runs the engine as a child and keeps traffic flowing around it
/// whenever it is not up. Returns when SIGINT/SIGTERM arrives or the
/// engine stops cleanly.
pub(crate) fn supervise(ifaces: &Interfaces) -> Result<ExitCode> {
    let mut bypass = KernelBypass::new(ifaces).context("--fail-open")?;
    install_stop_handlers();
    crate::reload::install_signal();
    bypass_on(&mut bypass)?;
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
            if up.load(Ordering::Relaxed) && bypass.is_on() {
                bypass_off(&mut bypass);
            }
            if let Some(status) = child.try_wait().context("waiting for the engine")? {
                break Some(status);
            }
            if stop_requested() {
                break None;
            }
            if crate::reload::take_request() {
                // SIGUSR2 to the supervisor reloads the engine's rules
                // SAFETY: signalling our own child process by its id.
                unsafe {
                    libc::kill(child.id() as libc::pid_t, libc::SIGUSR2);
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        match status {
            Some(status) if status.success() => {
                // a clean exit is a requested stop (`warden ctl shutdown`,
                // or SIGTERM sent to the engine itself): end with it
                eprintln!("warden: fail-open: engine stopped; supervisor ends");
                break;
            }
            Some(status) => {
                bypass_on(&mut bypass)?;
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
    bypass_off(&mut bypass);
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
