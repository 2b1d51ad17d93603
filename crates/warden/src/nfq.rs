//! Inline mode over NFQUEUE (`-q N`, repeatable): the kernel's firewall
//! queues packets to warden, which inspects each one with the same
//! [`Worker`] as the AF_PACKET bridge and the offline `--simulate-ips`
//! run, and answers with a verdict by packet id: accept, drop (the flow's
//! later packets are dropped too, the worker remembers), or drop plus
//! reject answers (TCP RST / ICMP unreachable) that the kernel routes
//! like any packet this host sends ([`RawIpSender`]).
//!
//! This module owns the loop around the queues: waiting for messages,
//! reading up to [`BATCH`] packets per queue, giving each its verdict, and
//! sending a queue's verdicts in one write. The queue's fail-open flag
//! (accept when full) is set from `nfq.fail-open`; the firewall rule's
//! `bypass` flag (accept while no program is bound) is the operator's.

use std::time::Instant;

use anyhow::{Context, Result};
use warden_capture::afpacket::wait_readable;
use warden_capture::nfqueue::{self, Message, NfQueue, QueueConfig};
use warden_capture::RawIpSender;
use warden_packet::{decode, DecodeOptions, LinkType};

use crate::control::EngineControl;
use crate::live::{install_stop_handlers, now, stop_requested};
use crate::live_control::LoopControl;
use crate::load::Loaded;
use crate::reject::{reject_ip_packet, Toward};
use crate::run::{RunOptions, Worker};
use crate::verdict::Verdict;

/// Packets read from one queue before its verdicts are sent and the other
/// queues get their turn (Suricata's `nfq.batchcount`).
const BATCH: usize = 64;

/// How long the loop waits for packets before doing idle work.
const IDLE_WAIT_MS: i32 = 100;

/// What the engine says on stderr once its queues are bound.
pub(crate) const QUEUES_UP: &str = "nfqueue up";

/// Settings of an NFQUEUE run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NfqOptions {
    /// Queue numbers, each bound with the settings below.
    pub(crate) queues: Vec<u16>,
    /// Accept uninspected when a queue is full (else the kernel drops).
    pub(crate) fail_open: bool,
    /// Packets waiting per queue before it counts as full.
    pub(crate) max_len: u32,
    /// Receive buffer per queue socket, bytes.
    pub(crate) recv_buffer: usize,
}

/// Counters of the queue loop (the worker keeps the rest).
#[derive(Default, Debug)]
struct NfqCounters {
    received: u64,
    accepted: u64,
    dropped: u64,
    rejects_sent: u64,
    send_errors: u64,
    /// Datagrams the kernel could not queue to warden (`ENOBUFS`).
    overruns: u64,
    /// Messages that did not parse.
    malformed: u64,
    /// Packets cut at the copy range (inspected as far as copied).
    truncated: u64,
    /// Error answers from the kernel (e.g. a verdict for an unknown id).
    kernel_errors: u64,
}

impl NfqCounters {
    /// The loop's counters for the stats event.
    fn stats(&self) -> [(&'static str, u64); 9] {
        [
            ("capture.kernel_packets", self.received),
            ("capture.errors", self.send_errors + self.kernel_errors),
            ("capture.nfq.accepted", self.accepted),
            ("capture.nfq.dropped", self.dropped),
            ("capture.nfq.overruns", self.overruns),
            ("capture.nfq.malformed", self.malformed),
            ("capture.nfq.truncated", self.truncated),
            ("capture.nfq.kernel_errors", self.kernel_errors),
            ("ips.reject_answers_sent", self.rejects_sent),
        ]
    }
}

/// Binds every queue and runs until SIGINT/SIGTERM (or `warden ctl
/// shutdown`); `socket` is where the control socket listens, if anywhere.
pub(crate) fn run(
    opts: &RunOptions,
    loaded: &Loaded,
    nfq: &NfqOptions,
    socket: Option<&std::path::Path>,
    cli: &crate::cli::Cli,
) -> Result<()> {
    let mut queues = Vec::with_capacity(nfq.queues.len());
    for &q in &nfq.queues {
        let cfg = QueueConfig {
            queue: q,
            fail_open: nfq.fail_open,
            max_len: nfq.max_len,
            recv_buffer: nfq.recv_buffer,
        };
        queues.push(NfQueue::open(&cfg).with_context(|| format!("cannot use NFQUEUE queue {q}"))?);
    }
    let raw = RawIpSender::open().context("cannot open a raw IP socket for reject answers")?;
    install_stop_handlers();
    crate::reload::install_signal();
    let started = Instant::now();
    let mut w = Worker::new(opts, loaded)?;
    let mut lc = LoopControl::new(cli, &w, loaded.engine.clone(), opts.stats_interval, started);
    let metrics = opts
        .prometheus_listen
        .as_deref()
        .map(|a| crate::prometheus::start(a, lc.shared()))
        .transpose()?;
    let server = match socket {
        Some(path) => Some(crate::control::start(
            path,
            EngineControl::without_bypass("nfqueue"),
            Some(lc.shared()),
        )?),
        None => None,
    };
    let names: Vec<String> = nfq.queues.iter().map(|q| q.to_string()).collect();
    eprintln!(
        "warden: {QUEUES_UP} on queue {} ({}; SIGINT/SIGTERM to stop)",
        names.join(", "),
        if nfq.fail_open {
            "fail-open when full"
        } else {
            "fail-closed when full"
        }
    );
    let fds: Vec<i32> = queues.iter().map(NfQueue::raw_fd).collect();
    let mut ready = Vec::with_capacity(fds.len());
    let mut buf = vec![0u8; nfqueue::RECV_BUF_LEN];
    let mut c = NfqCounters::default();
    let mut last_idle = Instant::now();
    let validate = opts.decode.checksum_validation;
    while !stop_requested() {
        wait_readable(&fds, &mut ready, IDLE_WAIT_MS).context("poll")?;
        for (i, q) in queues.iter_mut().enumerate() {
            if !ready.get(i).copied().unwrap_or(false) {
                continue;
            }
            for _ in 0..BATCH {
                let n = match q.recv(&mut buf) {
                    Ok(Some(n)) => n,
                    Ok(None) => break,
                    Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                        c.overruns += 1;
                        continue;
                    }
                    Err(e) => {
                        return Err(e).with_context(|| format!("reading queue {}", q.queue()))
                    }
                };
                let got = &buf[..n.min(buf.len())];
                for m in nfqueue::Messages::new(got) {
                    match m {
                        Ok(Message::Packet(p)) => {
                            c.received += 1;
                            if (p.payload.len() as u32) < p.orig_len {
                                c.truncated += 1;
                            }
                            let v = inspect(&mut w, &p, &raw, validate, &mut c)?;
                            q.verdict(p.id, v);
                        }
                        Ok(Message::Error { errno, .. }) if errno != 0 => c.kernel_errors += 1,
                        Ok(_) => {}
                        Err(_) => c.malformed += 1,
                    }
                }
            }
            if q.flush().is_err() {
                c.send_errors += 1;
            }
        }
        lc.tick(&mut w, &c.stats())?;
        if last_idle.elapsed().as_millis() >= 500 {
            last_idle = Instant::now();
            let ts = now();
            w.expire(
                ts.secs.saturating_mul(1_000_000_000) + i64::from(ts.nanos),
                ts,
            )?;
            w.flush_logs()?;
        }
    }
    lc.close_requests();
    drop(metrics);
    drop(server);
    w.finish(started, &c.stats())?;
    lc.report();
    eprintln!(
        "warden: nfqueue: {} packets, {} accepted, {} dropped, {} reject answers sent, {} send errors, {} overruns, {} malformed, {} truncated, {} kernel errors",
        c.received,
        c.accepted,
        c.dropped,
        c.rejects_sent,
        c.send_errors,
        c.overruns,
        c.malformed,
        c.truncated,
        c.kernel_errors
    );
    Ok(())
}

/// Inspects one queued packet and returns its verdict for the kernel,
/// sending reject answers when the rules ask for them.
fn inspect(
    w: &mut Worker<'_>,
    p: &nfqueue::QueuedPacket<'_>,
    raw: &RawIpSender,
    validate: bool,
    c: &mut NfqCounters,
) -> Result<nfqueue::Verdict> {
    // a checksum the kernel has yet to fill (only with NFQA_CFG_F_GSO,
    // which warden does not ask for) is not validated
    w.decode_opts.checksum_validation = validate && p.skb_info & nfqueue::SKB_CSUM_NOT_READY == 0;
    w.wire_packet(LinkType::RawIp, p.payload, p.orig_len, now(), 0)?;
    Ok(match w.last_verdict {
        Verdict::Accept => {
            c.accepted += 1;
            nfqueue::Verdict::Accept
        }
        Verdict::Drop => {
            c.dropped += 1;
            nfqueue::Verdict::Drop
        }
        Verdict::Reject {
            to_source,
            to_destination,
        } => {
            c.dropped += 1;
            let pkt = decode(
                LinkType::RawIp,
                p.payload,
                &DecodeOptions {
                    checksum_validation: false,
                },
            );
            for (wanted, toward) in [
                (to_source, Toward::Source),
                (to_destination, Toward::Destination),
            ] {
                let Some(answer) = wanted.then(|| reject_ip_packet(&pkt, toward)).flatten() else {
                    continue;
                };
                match raw.send(&answer) {
                    Ok(()) => c.rejects_sent += 1,
                    Err(_) => c.send_errors += 1,
                }
            }
            nfqueue::Verdict::Drop
        }
    })
}
