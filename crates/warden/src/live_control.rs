//! What a live loop (AF_PACKET or NFQUEUE) does between batches of
//! packets for reloads and the control socket: swapping in a reloaded
//! ruleset, rolling back to a kept one, answering the requests that need
//! the loop's own state (`reload`, `rollback`, `stats`), and writing the
//! periodic `stats` event (`stats.interval`).
//!
//! Control commands run on the socket's threads. What they can answer
//! alone (the live ruleset's figures and rule index, shadow switches) they
//! read from [`Shared`]; what needs the loop they send as a
//! [`LoopRequest`] and wait for its reply. The loop takes its requests
//! between batches (at least every 100 ms), so packets never wait for a
//! control client.

use std::collections::BTreeSet;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::{json, Value};
use warden_detect::Engine;

use crate::cli::Cli;
use crate::reload::{Reloader, Ruleset, Waiter};
use crate::run::{ReloadCounts, Worker};

/// Work a control command hands to the packet loop.
pub(crate) enum LoopRequest {
    /// Reload config and rules; the reply is the build's outcome.
    Reload(Waiter),
    /// Back to the previous kept ruleset.
    Rollback(Waiter),
    /// The engine's counters.
    Stats(Waiter),
}

/// State control commands share with the loop.
pub(crate) struct Shared {
    cli: Cli,
    state: Mutex<SharedState>,
    requests: Mutex<mpsc::Sender<LoopRequest>>,
}

struct SharedState {
    live: Arc<Ruleset>,
    /// Generations kept for rollback, oldest first.
    kept: Vec<u64>,
    /// `gid:sid` of the rules `warden ctl shadow` put in shadow; applied to
    /// every ruleset that goes live.
    shadow: BTreeSet<(u32, u32)>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, SharedState> {
        // a handler that panicked left consistent data behind (every
        // update is a plain assignment)
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The command line the run started with (reloads and diffs read the
    /// same files).
    pub(crate) fn cli(&self) -> &Cli {
        &self.cli
    }

    /// The live ruleset.
    pub(crate) fn live(&self) -> Arc<Ruleset> {
        Arc::clone(&self.state().live)
    }

    /// Generations kept for rollback, oldest first (the live one last).
    pub(crate) fn kept(&self) -> Vec<u64> {
        self.state().kept.clone()
    }

    /// Rules put in shadow at run time, as `gid:sid`.
    pub(crate) fn shadowed(&self) -> Vec<(u32, u32)> {
        self.state().shadow.iter().copied().collect()
    }

    /// Hands `make(waiter)` to the packet loop and waits `timeout` at most
    /// for its reply.
    pub(crate) fn ask(
        &self,
        make: fn(Waiter) -> LoopRequest,
        timeout: Duration,
    ) -> Result<Value, String> {
        let (tx, rx) = mpsc::channel();
        let sent = self
            .requests
            .lock()
            .map_err(|_| "the packet loop is gone".to_string())?
            .send(make(tx));
        if sent.is_err() {
            return Err("warden is stopping".into());
        }
        match rx.recv_timeout(timeout) {
            Ok(reply) => reply,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "no answer from the packet loop within {} s",
                timeout.as_secs()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err("warden is stopping".into()),
        }
    }

    /// Makes `rs` the live ruleset for the commands, with the run-time
    /// shadow switches applied to it (before the loop swaps it in).
    fn publish(&self, rs: Arc<Ruleset>, kept: Vec<u64>) {
        let mut st = self.state();
        apply_shadow(&rs.engine, &st.shadow);
        st.live = rs;
        st.kept = kept;
    }

    /// `shadow GID:SID on|off` on the live ruleset (and every later one).
    pub(crate) fn set_shadow(&self, gid: u32, sid: u32, on: bool) -> Result<Value, String> {
        let mut st = self.state();
        let id = if gid == 1 {
            sid.to_string()
        } else {
            format!("{gid}:{sid}")
        };
        let engine = Arc::clone(&st.live.engine);
        let generation = st.live.info.generation;
        let Some(i) = engine.find(gid, sid) else {
            return Err(format!(
                "no rule with sid {id} in the live ruleset (generation {generation})"
            ));
        };
        let sig = engine.sig(i);
        if !sig.action.blocks() {
            return Err(format!(
                "sid {id} is a{} {} rule: shadow applies to drop and reject rules",
                if sig.action.name() == "alert" {
                    "n"
                } else {
                    ""
                },
                sig.action.name()
            ));
        }
        if !on && sig.meta.static_shadow() {
            return Err(format!(
                "sid {id} is in shadow by its own metadata (warden_mode shadow): edit the rule and reload"
            ));
        }
        let changed = if on {
            st.shadow.insert((gid, sid))
        } else {
            st.shadow.remove(&(gid, sid))
        };
        apply_shadow(&engine, &st.shadow);
        if changed {
            eprintln!(
                "warden: control: sid {id} shadow {}: it {}",
                if on { "on" } else { "off" },
                if on {
                    "alerts as would_drop and blocks nothing"
                } else {
                    "blocks again"
                }
            );
        }
        Ok(json!({
            "sid": sid,
            "gid": gid,
            "shadow": if on { "on" } else { "off" },
            "changed": changed,
            "action": sig.action.name(),
            "generation": generation,
        }))
    }
}

fn apply_shadow(engine: &Engine, set: &BTreeSet<(u32, u32)>) {
    engine.set_shadow(|gid, sid| set.contains(&(gid, sid)));
}

/// The loop's side: the reloader, the request queue, the stats clock.
pub(crate) struct LoopControl {
    reloader: Reloader,
    requests: mpsc::Receiver<LoopRequest>,
    shared: Arc<Shared>,
    stats_every: Option<Duration>,
    last_stats: Instant,
    started: Instant,
}

impl LoopControl {
    /// Control for a loop whose worker `w` runs `engine` (generation 1);
    /// a `stats` event every `stats_every` (none: only at the end).
    pub(crate) fn new(
        cli: &Cli,
        w: &Worker<'_>,
        engine: Arc<Engine>,
        stats_every: Option<Duration>,
        started: Instant,
    ) -> LoopControl {
        let first = Arc::new(Ruleset {
            engine,
            info: Arc::clone(w.ruleset()),
            scope: w.scope.clone(),
        });
        let (tx, rx) = mpsc::channel();
        let reloader = Reloader::new(cli, Arc::clone(&first), Some(w.options().clone()));
        let shared = Arc::new(Shared {
            cli: cli.clone(),
            state: Mutex::new(SharedState {
                live: first,
                kept: reloader.kept(),
                shadow: BTreeSet::new(),
            }),
            requests: Mutex::new(tx),
        });
        LoopControl {
            reloader,
            requests: rx,
            shared,
            stats_every,
            last_stats: Instant::now(),
            started,
        }
    }

    /// Stops taking requests (the loop has ended): clients waiting for
    /// an answer are told warden is stopping.
    pub(crate) fn close_requests(&mut self) {
        self.requests = mpsc::channel().1;
    }

    /// What the control commands share with this loop.
    pub(crate) fn shared(&self) -> Arc<Shared> {
        Arc::clone(&self.shared)
    }

    /// Between batches: control requests, a finished reload, the
    /// periodic stats event. `extra`: the loop's own counters (capture)
    /// for stats.
    pub(crate) fn tick(&mut self, w: &mut Worker<'_>, extra: &[(&'static str, u64)]) -> Result<()> {
        while let Ok(req) = self.requests.try_recv() {
            match req {
                LoopRequest::Reload(waiter) => self.reloader.request(Some(waiter)),
                LoopRequest::Rollback(waiter) => {
                    let reply = match self.reloader.rollback() {
                        Ok(rs) => {
                            self.go_live(w, &rs);
                            eprintln!(
                                "warden: rollback: generation {} is live again (ruleset {})",
                                rs.info.generation, rs.info.hash
                            );
                            let mut v = rs.info.summary();
                            v["kept"] = json!(self.reloader.kept());
                            Ok(v)
                        }
                        Err(why) => Err(why),
                    };
                    let _ = waiter.send(reply);
                }
                LoopRequest::Stats(waiter) => {
                    self.count(w);
                    let _ = waiter.send(Ok(stats_json(w, self.started, extra)));
                }
            }
        }
        if let Some(outcome) = self.reloader.poll() {
            let reply = match outcome.result {
                Ok(rs) => {
                    self.go_live(w, &rs);
                    eprintln!("warden: reload: generation {} is live", rs.info.generation);
                    let mut v = rs.info.summary();
                    v["build_seconds"] = json!(rs.info.build_seconds);
                    Ok(v)
                }
                Err(refused) => {
                    let live = self.reloader.generation();
                    eprintln!(
                        "warden: reload refused: {} (generation {live} still live)",
                        refused.log_line()
                    );
                    Err(refused.reply(live))
                }
            };
            for waiter in outcome.waiters {
                let _ = waiter.send(reply.clone());
            }
        }
        self.count(w);
        if let Some(every) = self.stats_every {
            if self.last_stats.elapsed() >= every {
                self.last_stats = Instant::now();
                w.write_stats(crate::live::now(), self.started, extra)?;
            }
        }
        Ok(())
    }

    fn go_live(&mut self, w: &mut Worker<'_>, rs: &Arc<Ruleset>) {
        self.shared.publish(Arc::clone(rs), self.reloader.kept());
        w.swap_engine(Arc::clone(&rs.engine), Arc::clone(&rs.info));
        w.scope = rs.scope.clone();
    }

    fn count(&self, w: &mut Worker<'_>) {
        w.reloads = ReloadCounts {
            ok: self.reloader.ok,
            failed: self.reloader.failed,
            rollbacks: self.reloader.rollbacks,
        };
    }

    /// The closing line about reloads, if there were any.
    pub(crate) fn report(&self) {
        let r = &self.reloader;
        if r.ok + r.failed + r.rollbacks > 0 {
            eprintln!(
                "warden: reloads: {} ok, {} refused, {} rollbacks; generation {} was live at the end",
                r.ok,
                r.failed,
                r.rollbacks,
                r.generation()
            );
        }
    }
}

/// The `stats` event's counters as JSON (the `stats` command's reply).
fn stats_json(w: &Worker<'_>, started: Instant, extra: &[(&'static str, u64)]) -> Value {
    let snap = w.stats_snapshot(started, extra, None);
    let mut line = Vec::with_capacity(4096);
    warden_output::render_stats_into(&mut line, crate::live::now(), &snap);
    serde_json::from_slice::<Value>(&line)
        .map(|mut v| v["stats"].take())
        .unwrap_or(Value::Null)
}
