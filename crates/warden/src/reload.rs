//! Live reload as a transaction: a request (`SIGUSR2`) rebuilds config and
//! rules on a background thread beside the running ruleset, with no side
//! effect; the packet loop swaps the new engine in between packets only
//! when the whole build succeeded. One invalid rule refuses the reload
//! with its reasons and the running ruleset stays as it was
//! (`--allow-partial` loads the rest instead). Requests that arrive while
//! a build runs are coalesced into one more build after it, never lost.
//!
//! Flowbit names keep their ids across the swap (the new engine is built
//! from the running one), so flows in progress keep their bits and their
//! stream state. The last [`KEEP`] rulesets stay in memory for a rollback;
//! older ones are released.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::Result;
use warden_detect::Engine;

use crate::cli::Cli;
use crate::load::{self, Loaded};

/// Rulesets kept for `rollback` (the running one included).
pub(crate) const KEEP: usize = 3;

/// Set by SIGUSR2.
static REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_reload_signal(_: libc::c_int) {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Makes SIGUSR2 request a reload.
pub(crate) fn install_signal() {
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(
            libc::SIGUSR2,
            on_reload_signal as *const () as libc::sighandler_t,
        );
    }
}

/// Takes a pending request (the fail-open supervisor passes it on to its
/// engine process).
pub(crate) fn take_request() -> bool {
    REQUESTED.swap(false, Ordering::Relaxed)
}

/// A ruleset that was built and may go live.
pub(crate) struct Swap {
    pub(crate) engine: Arc<Engine>,
    /// The inventory's scoping, rebuilt for the new engine.
    pub(crate) scope: Option<Arc<crate::scope::Scope>>,
    pub(crate) generation: u64,
}

/// Why a build was refused, for the log and the control socket.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) reason: String,
}

/// The reload state of a live run.
pub(crate) struct Reloader {
    cli: Cli,
    building: Option<JoinHandle<Result<Loaded>>>,
    build_started: Instant,
    /// A request arrived while a build ran.
    again: bool,
    generation: u64,
    /// Good rulesets, newest last (the running one is the last).
    history: VecDeque<(u64, Arc<Engine>)>,
    pub(crate) ok: u64,
    pub(crate) failed: u64,
}

impl Reloader {
    /// A reloader for a run that started with `loaded` (generation 1).
    pub(crate) fn new(cli: &Cli, loaded: &Loaded) -> Reloader {
        Reloader {
            cli: cli.clone(),
            building: None,
            build_started: Instant::now(),
            again: false,
            generation: 1,
            history: VecDeque::from([(1, Arc::clone(&loaded.engine))]),
            ok: 0,
            failed: 0,
        }
    }

    /// Generation of the running ruleset.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Called by the packet loop between batches: starts a build when one
    /// was requested, and returns a finished good build to swap in (or the
    /// reasons a finished build was refused).
    pub(crate) fn poll(&mut self) -> Option<Result<Swap, Refusal>> {
        if take_request() {
            if self.building.is_some() {
                self.again = true;
            } else {
                self.start();
            }
        }
        if !self.building.as_ref()?.is_finished() {
            return None;
        }
        let handle = self.building.take()?;
        let took = self.build_started.elapsed();
        let outcome = match handle.join() {
            Ok(Ok(l)) => self.accept(l, took),
            Ok(Err(e)) => Err(Refusal {
                reason: format!("{e:#}"),
            }),
            Err(_) => Err(Refusal {
                reason: "the build thread panicked".into(),
            }),
        };
        if outcome.is_err() {
            self.failed += 1;
        }
        if std::mem::take(&mut self.again) {
            self.start();
        }
        Some(outcome)
    }

    fn start(&mut self) {
        let cli = self.cli.clone();
        let prior = self.history.back().map(|(_, e)| Arc::clone(e));
        self.build_started = Instant::now();
        self.building = Some(std::thread::spawn(move || {
            let cfg = load::config(&cli)?;
            load::ruleset_after(&cli, &cfg, prior.as_deref())
        }));
    }

    fn accept(&mut self, l: Loaded, took: std::time::Duration) -> Result<Swap, Refusal> {
        if l.rules_failed() > 0 && !self.cli.allow_partial {
            let problems = load::problems(&l);
            let invalid: Vec<&load::Problem> =
                problems.iter().filter(|p| p.kind == "invalid").collect();
            let mut reason = format!(
                "{} invalid rule(s), running ruleset unchanged (--allow-partial loads the rest)",
                invalid.len()
            );
            for p in invalid.iter().take(5) {
                reason.push_str("; ");
                reason.push_str(&p.text);
            }
            return Err(Refusal { reason });
        }
        self.generation += 1;
        self.ok += 1;
        self.history
            .push_back((self.generation, Arc::clone(&l.engine)));
        while self.history.len() > KEEP {
            self.history.pop_front();
        }
        eprintln!(
            "warden: reload: generation {} built in {:.2} s: {} rules loaded, {} failed, {} skipped, ruleset {}",
            self.generation,
            took.as_secs_f64(),
            l.rules_loaded(),
            l.rules_failed(),
            l.rules_skipped(),
            &l.hash[..16]
        );
        Ok(Swap {
            engine: l.engine,
            scope: l.scope,
            generation: self.generation,
        })
    }
}
