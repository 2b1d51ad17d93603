//! Live reload as a transaction: a request (`SIGUSR2`, `warden ctl
//! reload`) rebuilds config and
//! rules on a background thread beside the running ruleset, with no side
//! effect; the packet loop swaps the new engine in between packets only
//! when the whole build succeeded. One invalid rule refuses the reload
//! with its reasons and the running ruleset stays as it was
//! (`--allow-partial` loads the rest instead). Requests that arrive while
//! a build runs are coalesced into one more build after it, never lost.
//!
//! Flowbit names keep their ids across the swap (the new engine is built
//! from the running one), so flows in progress keep their bits and their
//! stream state. The last [`KEEP`] rulesets stay in memory for
//! [`Reloader::rollback`]; older ones are released. A control client that
//! asked for the reload waits for its outcome ([`Waiter`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::Result;
use serde_json::Value;
use warden_detect::Engine;

use crate::canary::Canary;
use crate::cli::Cli;
use crate::load::{self, Loaded};
use crate::ruleset::RulesetInfo;
use crate::run::RunOptions;

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

/// A ruleset that can be live: the compiled engine and what identifies it.
pub(crate) struct Ruleset {
    pub(crate) engine: Arc<Engine>,
    pub(crate) info: Arc<RulesetInfo>,
    /// The inventory's scoping, rebuilt for the new engine.
    pub(crate) scope: Option<Arc<crate::scope::Scope>>,
}

/// Where a `warden ctl reload` waits for its outcome: the reply (the new
/// ruleset's summary, or every reason it was refused).
pub(crate) type Waiter = mpsc::Sender<Result<Value, String>>;

/// Why a build was refused, for the log and the control socket.
#[derive(Debug)]
pub(crate) struct Refusal {
    /// What happened, in one line.
    pub(crate) summary: String,
    /// Every problem, one per entry (`file:line:column: sid N: message`).
    pub(crate) problems: Vec<String>,
}

impl Refusal {
    fn new(summary: String) -> Refusal {
        Refusal {
            summary,
            problems: Vec::new(),
        }
    }

    /// One line for the log: the summary and the first problems.
    pub(crate) fn log_line(&self) -> String {
        let mut s = self.summary.clone();
        for p in self.problems.iter().take(5) {
            s.push_str("; ");
            s.push_str(p);
        }
        if self.problems.len() > 5 {
            s.push_str(&format!("; ... and {} more", self.problems.len() - 5));
        }
        s
    }

    /// The reply a waiting `warden ctl reload` gets: the summary, then
    /// every problem on a line of its own.
    pub(crate) fn reply(&self, live_generation: u64) -> String {
        let mut s = format!("{} (generation {live_generation} still live)", self.summary);
        for p in &self.problems {
            s.push_str("\n  ");
            s.push_str(p);
        }
        s
    }
}

/// A finished build: the ruleset now to go live, or why not; and who
/// waits for the answer.
pub(crate) struct Outcome {
    pub(crate) result: Result<Arc<Ruleset>, Refusal>,
    pub(crate) waiters: Vec<Waiter>,
}

/// The reload state of a live run.
pub(crate) struct Reloader {
    cli: Cli,
    /// The live run's settings, for the canary (`reload.canary`); `None`
    /// runs no canary.
    run_opts: Option<RunOptions>,
    building: Option<JoinHandle<Result<Loaded>>>,
    build_started: Instant,
    /// Waiting for the build that runs.
    waiting: Vec<Waiter>,
    /// A request arrived while a build ran: one more build follows, and
    /// these wait for it.
    again: bool,
    queued: Vec<Waiter>,
    /// Highest generation given so far.
    last_generation: u64,
    /// Good rulesets, oldest first; the live one is the last.
    history: VecDeque<Arc<Ruleset>>,
    /// The flowbit ids of the engine built last (live or rolled back), in
    /// an engine without rules: the next build takes them, so ids only
    /// ever grow, and a rolled-back ruleset is not kept alive by them.
    newest: Arc<Engine>,
    pub(crate) ok: u64,
    pub(crate) failed: u64,
    pub(crate) rollbacks: u64,
}

impl Reloader {
    /// A reloader for a run that started with `first` (generation 1).
    pub(crate) fn new(cli: &Cli, first: Arc<Ruleset>, run_opts: Option<RunOptions>) -> Reloader {
        Reloader {
            cli: cli.clone(),
            run_opts,
            building: None,
            build_started: Instant::now(),
            waiting: Vec::new(),
            again: false,
            queued: Vec::new(),
            last_generation: first.info.generation,
            newest: Arc::new(first.engine.names_only()),
            history: VecDeque::from([first]),
            ok: 0,
            failed: 0,
            rollbacks: 0,
        }
    }

    /// The live ruleset.
    pub(crate) fn live(&self) -> &Arc<Ruleset> {
        self.history.back().expect("a live ruleset is always kept")
    }

    /// Generation of the running ruleset.
    pub(crate) fn generation(&self) -> u64 {
        self.live().info.generation
    }

    /// Asks for a reload; `waiter` (a control client) gets the outcome of
    /// the build that includes this request. A request during a build is
    /// coalesced with any others into one build after it.
    pub(crate) fn request(&mut self, waiter: Option<Waiter>) {
        if self.building.is_some() {
            self.again = true;
            self.queued.extend(waiter);
        } else {
            self.waiting.extend(waiter);
            self.start();
        }
    }

    /// Called by the packet loop between batches: starts a build when
    /// SIGUSR2 asked for one, and returns a finished build's outcome (a
    /// good ruleset to swap in, or the reasons it was refused).
    pub(crate) fn poll(&mut self) -> Option<Outcome> {
        if take_request() {
            self.request(None);
        }
        if !self.building.as_ref()?.is_finished() {
            return None;
        }
        let handle = self.building.take()?;
        let took = self.build_started.elapsed();
        let result = match handle.join() {
            Ok(Ok(l)) => self.accept(l, took),
            Ok(Err(e)) => Err(Refusal::new(format!("{e:#}"))),
            Err(_) => Err(Refusal::new("the build thread panicked".into())),
        };
        if result.is_err() {
            self.failed += 1;
        }
        let waiters = std::mem::take(&mut self.waiting);
        if std::mem::take(&mut self.again) {
            self.waiting = std::mem::take(&mut self.queued);
            self.start();
        }
        Some(Outcome { result, waiters })
    }

    /// Goes back to the previous kept ruleset; the live one is released.
    /// Refused while a build runs or when no earlier ruleset is kept.
    pub(crate) fn rollback(&mut self) -> Result<Arc<Ruleset>, String> {
        if self.building.is_some() {
            return Err("a reload is being built: roll back once it is done".into());
        }
        if self.history.len() < 2 {
            return Err(format!(
                "no earlier ruleset is kept: generation {} is the only one",
                self.generation()
            ));
        }
        self.history.pop_back();
        self.rollbacks += 1;
        Ok(Arc::clone(self.live()))
    }

    /// Generations kept, oldest first (the live one last).
    pub(crate) fn kept(&self) -> Vec<u64> {
        self.history.iter().map(|r| r.info.generation).collect()
    }

    fn start(&mut self) {
        let cli = self.cli.clone();
        let prior = Arc::clone(&self.newest);
        let run_opts = self.run_opts.clone();
        self.build_started = Instant::now();
        self.building = Some(std::thread::spawn(move || {
            let cfg = load::config(&cli)?;
            let loaded = load::ruleset_after(&cli, &cfg, Some(&prior))?;
            // a ruleset refused for its invalid rules needs no canary
            let acceptable = loaded.rules_failed() == 0 || cli.allow_partial;
            if let (Some(opts), true) = (run_opts, acceptable) {
                if let Some(canary) = Canary::from_config(&cfg)? {
                    canary.check(&loaded, &opts)?;
                    eprintln!("warden: reload: canary: every verdict as expected");
                }
            }
            Ok(loaded)
        }));
    }

    fn accept(&mut self, l: Loaded, took: std::time::Duration) -> Result<Arc<Ruleset>, Refusal> {
        if l.rules_failed() > 0 && !self.cli.allow_partial {
            let problems: Vec<String> = load::problems(&l)
                .into_iter()
                .filter(|p| p.kind == "invalid")
                .map(|p| p.text)
                .collect();
            let summary = format!(
                "{} invalid rule(s), running ruleset unchanged (--allow-partial loads the rest)",
                problems.len()
            );
            return Err(Refusal { summary, problems });
        }
        self.last_generation += 1;
        self.ok += 1;
        let info = RulesetInfo::new(&l, self.last_generation, crate::live::now());
        eprintln!(
            "warden: reload: generation {} built in {:.2} s: {} rules loaded, {} failed, {} skipped, ruleset {}",
            info.generation,
            took.as_secs_f64(),
            info.loaded,
            info.failed,
            info.skipped,
            info.hash
        );
        let rs = Arc::new(Ruleset {
            engine: l.engine,
            info: Arc::new(info),
            scope: l.scope,
        });
        self.newest = Arc::new(rs.engine.names_only());
        self.history.push_back(Arc::clone(&rs));
        while self.history.len() > KEEP {
            self.history.pop_front();
        }
        Ok(rs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn setup(name: &str, rules: &str) -> (Cli, std::path::PathBuf, Arc<Ruleset>) {
        let dir = std::env::temp_dir().join(format!("warden-reload-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("r.rules");
        std::fs::write(&file, rules).unwrap();
        let cli = Cli::parse_from(["warden", "-S", file.to_str().unwrap()]);
        let l = load::ruleset(&cli, &load::config(&cli).unwrap()).unwrap();
        let info = RulesetInfo::new(&l, 1, Default::default());
        let first = Arc::new(Ruleset {
            engine: l.engine,
            info: Arc::new(info),
            scope: None,
        });
        (cli, file, first)
    }

    fn wait(r: &mut Reloader) -> Outcome {
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(o) = r.poll() {
                return o;
            }
            assert!(Instant::now() < deadline, "build did not finish");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    const GOOD: &str = "alert udp any any -> any any (msg:\"a\"; content:\"x\"; sid:1;)\n";

    #[test]
    fn requests_during_a_build_are_coalesced_and_every_waiter_answered() {
        let (cli, _, first) = setup("coalesce", GOOD);
        let mut r = Reloader::new(&cli, first, None);
        let (tx1, rx1) = mpsc::channel();
        let (tx2, rx2) = mpsc::channel();
        let (tx3, rx3) = mpsc::channel();
        r.request(Some(tx1));
        r.request(Some(tx2));
        r.request(Some(tx3));
        let o = wait(&mut r);
        assert_eq!(
            o.waiters.len(),
            1,
            "the first build answers the first request"
        );
        let o2 = wait(&mut r);
        assert_eq!(o2.waiters.len(), 2, "the two others share one more build");
        for (o, n) in [(o, 2), (o2, 3)] {
            let rs = o.result.as_ref().map_err(|e| e.summary.clone()).unwrap();
            assert_eq!(rs.info.generation, n);
            for w in o.waiters {
                w.send(Ok(rs.info.summary())).unwrap();
            }
        }
        assert_eq!(rx1.recv().unwrap().unwrap()["generation"], 2);
        assert_eq!(rx2.recv().unwrap().unwrap()["generation"], 3);
        assert_eq!(rx3.recv().unwrap().unwrap()["generation"], 3);
        assert!(r.poll().is_none(), "nothing more to build");
        assert_eq!((r.ok, r.failed), (2, 0));
        assert_eq!(r.kept(), [1, 2, 3]);
    }

    #[test]
    fn a_refused_build_lists_every_problem_and_rollback_walks_back() {
        let (cli, file, first) = setup("refuse", GOOD);
        let mut r = Reloader::new(&cli, first, None);
        assert!(r.rollback().err().unwrap().contains("only one"));
        std::fs::write(
            &file,
            "alert udp any any -> any any (pcre:\"/(/\"; sid:2;)\nalert udp $NOPE any -> any any (sid:3;)\n",
        )
        .unwrap();
        r.request(None);
        let refusal = wait(&mut r).result.err().expect("refused");
        assert_eq!(refusal.problems.len(), 2);
        let reply = refusal.reply(1);
        assert!(reply.contains("(generation 1 still live)\n  "), "{reply}");
        assert!(
            reply.contains("r.rules:1:") && reply.contains("r.rules:2:"),
            "{reply}"
        );
        assert_eq!(r.generation(), 1);
        std::fs::write(&file, GOOD).unwrap();
        for _ in 0..3 {
            r.request(None);
            assert!(wait(&mut r).result.is_ok());
        }
        // three kept: generations 2, 3, 4
        assert_eq!(r.kept(), [2, 3, 4]);
        assert_eq!(r.rollback().unwrap().info.generation, 3);
        assert_eq!(r.rollback().unwrap().info.generation, 2);
        assert!(r.rollback().is_err());
        r.request(None);
        assert_eq!(wait(&mut r).result.ok().unwrap().info.generation, 5);
        assert_eq!((r.ok, r.failed, r.rollbacks), (4, 1, 2));
    }
}
