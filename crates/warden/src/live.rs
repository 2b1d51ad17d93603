//! Live mode over AF_PACKET: `-i IFACE` watches interfaces (passive IDS:
//! drop and reject rules alert only), `-Q -i A:B` bridges each pair of
//! interfaces inline and enforces verdicts.
//!
//! This module owns the loop around the interfaces: waiting for frames,
//! restoring the VLAN tag the kernel stripped, handing each frame to the
//! same [`Worker`] the offline run uses (one verdict function for
//! `--simulate-ips` and the wire), then forwarding the frame to the peer
//! interface, discarding it, or sending the reject answers built by
//! [`crate::reject`]. While the kill switch is on ([`crate::control`]),
//! frames skip inspection. SIGINT/SIGTERM (or `warden ctl shutdown`) end
//! the loop; the worker then closes every flow and writes the stats event
//! as at the end of a capture.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use warden_capture::afpacket::{self, restore_vlan_tag, AfPacket, HEADROOM, VNET_HDR_LEN};
use warden_output::Timestamp;
use warden_packet::{decode, DecodeOptions, LinkType};

use crate::control::{EngineControl, Inspection};
use crate::load::Loaded;
use crate::reject::{reject_frame, Toward};
use crate::run::{RunOptions, Worker};
use crate::verdict::Verdict;

/// Largest frame read: a GSO super-packet (64 KiB of IP) plus headers.
const FRAME_MAX: usize = 65536 + 256;

/// Frames read from one interface before the others get their turn.
const BATCH: usize = 64;

/// How long the loop waits for traffic before doing idle work (flow
/// timeouts, flushing logs, checking for a stop signal).
const IDLE_WAIT_MS: i32 = 100;

/// Set by SIGINT/SIGTERM.
static STOP: AtomicBool = AtomicBool::new(false);

/// What the engine says on stderr once its inline bridge forwards frames
/// (the fail-open supervisor waits for it).
pub(crate) const BRIDGE_UP: &str = "inline bridge up";

/// Whether SIGINT or SIGTERM arrived since `install_stop_handlers`.
pub(crate) fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Asks the live loop to stop cleanly, as SIGTERM does.
pub(crate) fn request_stop() {
    STOP.store(true, Ordering::Relaxed);
}

extern "C" fn on_stop_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// The interfaces of a live run, as given with `-i`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Interfaces {
    /// `(A, Some(B))` for an inline pair, `(A, None)` for a watched one.
    pub(crate) entries: Vec<(String, Option<String>)>,
}

/// Reads `-i` values (`A:B` pairs or single names, repeated or comma
/// separated). Inline mode wants pairs only; passive mode single names.
pub(crate) fn parse_interfaces(specs: &[String], inline: bool) -> Result<Interfaces> {
    let mut entries = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for part in specs.iter().flat_map(|s| s.split(',')) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (a, b) = match part.split_once(':') {
            Some((a, b)) => (a.trim(), Some(b.trim())),
            None => (part, None),
        };
        match (inline, b) {
            (true, None) => bail!("-Q needs interface pairs (-i A:B), got '{part}'"),
            (false, Some(_)) => {
                bail!("'{part}' is an inline pair: add -Q to bridge it (or give single interfaces)")
            }
            _ => {}
        }
        for name in std::iter::once(a).chain(b) {
            if name.is_empty() || name.len() > 15 {
                bail!("bad interface name '{name}' in '{part}'");
            }
            if seen.iter().any(|s| s == name) {
                bail!("interface {name} is given twice");
            }
            seen.push(name.to_string());
        }
        entries.push((a.to_string(), b.map(str::to_string)));
    }
    if entries.is_empty() {
        bail!("no interface given to -i");
    }
    Ok(Interfaces { entries })
}

/// One open interface and where its frames go.
struct Port {
    sock: AfPacket,
    /// Index of the interface allowed frames are written to (inline).
    peer: Option<usize>,
}

/// Counters of the live loop itself (the worker keeps the rest).
#[derive(Default, Debug)]
struct LiveCounters {
    received: u64,
    forwarded: u64,
    dropped: u64,
    rejects_sent: u64,
    send_errors: u64,
    truncated: u64,
    own_frames: u64,
    bypassed: u64,
}

/// Runs live until SIGINT/SIGTERM or `warden ctl shutdown`; `socket` is
/// where the control socket listens, if anywhere.
pub(crate) fn run(
    opts: &RunOptions,
    loaded: &Loaded,
    ifaces: &Interfaces,
    socket: Option<&std::path::Path>,
    cli: &crate::cli::Cli,
) -> Result<()> {
    let mut ports: Vec<Port> = Vec::new();
    for (a, b) in &ifaces.entries {
        let bridged = b.is_some();
        let open = |n: &str| {
            AfPacket::open(n, bridged)
                .with_context(|| format!("cannot open interface {n} (AF_PACKET)"))
        };
        let ia = ports.len();
        ports.push(Port {
            sock: open(a)?,
            peer: b.as_ref().map(|_| ia + 1),
        });
        if let Some(b) = b {
            ports.push(Port {
                sock: open(b)?,
                peer: Some(ia),
            });
        }
    }
    install_stop_handlers();
    crate::reload::install_signal();
    let mut reloader = crate::reload::Reloader::new(cli, loaded);
    let started = Instant::now();
    let mut w = Worker::new(opts, loaded)?;
    let control = EngineControl::new(ifaces, opts.ips);
    let server = match socket {
        Some(path) => Some(crate::control::start(path, control.clone())?),
        None => None,
    };
    let names: Vec<String> = ifaces
        .entries
        .iter()
        .map(|(a, b)| match b {
            Some(b) => format!("{a}<->{b}"),
            None => a.clone(),
        })
        .collect();
    let reading = if ports.iter().all(|p| p.sock.uses_ring()) {
        "memory-mapped rings"
    } else {
        "recvmsg"
    };
    eprintln!(
        "warden: {} on {} ({reading}; SIGINT/SIGTERM to stop)",
        if opts.ips { BRIDGE_UP } else { "watching" },
        names.join(", ")
    );
    let fds: Vec<i32> = ports.iter().map(|p| p.sock.raw_fd()).collect();
    let mut ready = Vec::with_capacity(fds.len());
    let mut buf = vec![0u8; HEADROOM + VNET_HDR_LEN + FRAME_MAX];
    let mut c = LiveCounters::default();
    let mut last_idle = Instant::now();
    let validate = opts.decode.checksum_validation;
    while !STOP.load(Ordering::Relaxed) {
        afpacket::wait_readable(&fds, &mut ready, IDLE_WAIT_MS).context("poll")?;
        for i in 0..ports.len() {
            if !ready.get(i).copied().unwrap_or(false) {
                continue;
            }
            for _ in 0..BATCH {
                let Some(meta) = ports[i]
                    .sock
                    .recv(&mut buf)
                    .with_context(|| format!("reading {}", ports[i].sock.name()))?
                else {
                    break;
                };
                c.received += 1;
                // a bridge port forwards what arrives, never what this
                // host (warden included) sends; a tap sees both ways
                if meta.outgoing && ports[i].peer.is_some() {
                    c.own_frames += 1;
                    continue;
                }
                if meta.truncated {
                    // cannot be forwarded intact: dropped and counted
                    c.truncated += 1;
                    continue;
                }
                let (mut off, mut len, mut vnet) = (meta.offset, meta.len, meta.vnet);
                if let Some(tci) = meta.vlan_tci {
                    if let Some((o, l)) = restore_vlan_tag(&mut buf, off, len, meta.vlan_tpid, tci)
                    {
                        (off, len, vnet) = (o, l, vnet.shifted(4));
                    }
                }
                let frame = &buf[off..off + len];
                match control.inspection() {
                    Inspection::On => {}
                    Inspection::BypassDiscard => {
                        // the kernel forwards this frame (kill switch)
                        c.bypassed += 1;
                        continue;
                    }
                    Inspection::BypassForward => {
                        c.bypassed += 1;
                        if let Some(peer) = ports[i].peer {
                            match ports[peer].sock.send(&vnet, frame) {
                                Ok(()) => c.forwarded += 1,
                                Err(_) => c.send_errors += 1,
                            }
                        }
                        continue;
                    }
                }
                // a checksum the NIC fills on the way out is not yet valid
                w.decode_opts.checksum_validation = validate && !vnet.checksum_partial();
                let ts = now();
                w.wire_packet(LinkType::Ethernet, frame, len as u32, ts, 0)?;
                let port = &ports[i];
                match w.last_verdict {
                    _ if port.peer.is_none() => {}
                    Verdict::Accept => {
                        let peer = &ports[port.peer.unwrap_or(i)];
                        match peer.sock.send(&vnet, frame) {
                            Ok(()) => c.forwarded += 1,
                            Err(_) => c.send_errors += 1,
                        }
                    }
                    Verdict::Drop => c.dropped += 1,
                    Verdict::Reject {
                        to_source,
                        to_destination,
                    } => {
                        c.dropped += 1;
                        let p = decode(
                            LinkType::Ethernet,
                            frame,
                            &DecodeOptions {
                                checksum_validation: false,
                            },
                        );
                        let peer = port.peer.unwrap_or(i);
                        for (wanted, toward, out) in [
                            (to_source, Toward::Source, i),
                            (to_destination, Toward::Destination, peer),
                        ] {
                            let Some(answer) = wanted.then(|| reject_frame(&p, toward)).flatten()
                            else {
                                continue;
                            };
                            match ports[out].sock.send(&Default::default(), &answer) {
                                Ok(()) => c.rejects_sent += 1,
                                Err(_) => c.send_errors += 1,
                            }
                        }
                    }
                }
            }
        }
        // a reload built in the background goes live between batches
        match reloader.poll() {
            Some(Ok(swap)) => {
                w.swap_engine(swap.engine);
                w.scope = swap.scope;
                eprintln!("warden: reload: generation {} is live", swap.generation);
            }
            Some(Err(refused)) => eprintln!(
                "warden: reload refused: {} (generation {} still live)",
                refused.reason,
                reloader.generation()
            ),
            None => {}
        }
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
    drop(server);
    control.release();
    w.finish(loaded, started)?;
    if reloader.ok + reloader.failed > 0 {
        eprintln!(
            "warden: reloads: {} ok, {} refused; generation {} was live at the end",
            reloader.ok,
            reloader.failed,
            reloader.generation()
        );
    }
    eprintln!(
        "warden: live: {} frames read, {} forwarded, {} dropped, {} reject answers sent, {} send errors, {} truncated, {} own frames skipped, {} bypassed (kill switch)",
        c.received, c.forwarded, c.dropped, c.rejects_sent, c.send_errors, c.truncated, c.own_frames, c.bypassed
    );
    Ok(())
}

/// The wall clock as an EVE timestamp.
pub(crate) fn now() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        secs: d.as_secs() as i64,
        nanos: d.subsec_nanos(),
    }
}

/// Makes SIGINT and SIGTERM request a clean stop ([`stop_requested`]).
#[allow(unsafe_code)]
pub(crate) fn install_stop_handlers() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe.
        unsafe {
            libc::signal(sig, on_stop_signal as *const () as libc::sighandler_t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn pairs_come_repeated_or_comma_separated() {
        let i = parse_interfaces(&s(&["eth0:eth1,eth2:eth3", "eth4:eth5"]), true).unwrap();
        assert_eq!(
            i.entries,
            vec![
                ("eth0".into(), Some("eth1".into())),
                ("eth2".into(), Some("eth3".into())),
                ("eth4".into(), Some("eth5".into())),
            ]
        );
    }

    #[test]
    fn inline_needs_pairs_and_passive_needs_single_names() {
        assert!(parse_interfaces(&s(&["eth0"]), true).is_err());
        assert!(parse_interfaces(&s(&["eth0:eth1"]), false).is_err());
        let i = parse_interfaces(&s(&["eth0,eth1"]), false).unwrap();
        assert_eq!(
            i.entries,
            vec![("eth0".into(), None), ("eth1".into(), None)]
        );
    }

    #[test]
    fn an_interface_is_used_once_and_names_are_sane() {
        assert!(parse_interfaces(&s(&["eth0:eth1", "eth1:eth2"]), true).is_err());
        assert!(parse_interfaces(&s(&["eth0:eth0"]), true).is_err());
        assert!(parse_interfaces(&s(&[":eth1"]), true).is_err());
        assert!(parse_interfaces(&s(&["a-very-long-interface-name:b"]), true).is_err());
        assert!(parse_interfaces(&s(&[""]), false).is_err());
    }
}
