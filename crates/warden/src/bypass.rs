//! The kernel path around warden for each inline pair: a `tc` ingress
//! filter on each interface redirects every frame to its peer (`mirred
//! egress redirect`), so traffic crosses uninspected without warden.
//!
//! Used by the fail-open supervisor (while no engine is up) and by the
//! kill switch (`warden ctl bypass on`). The filters live in each
//! interface's `clsact` qdisc (created if missing) at preference
//! [`TC_PREF`], so other filters an operator keeps there are left alone.
//! Frames still reach warden's packet sockets (taps run before tc
//! ingress): whoever turns this on must stop forwarding them itself.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::live::Interfaces;

/// Preference of warden's bypass filters in the interfaces' ingress hook.
const TC_PREF: &str = "49017";

/// The kernel bypass of every pair.
#[derive(Debug)]
pub(crate) struct KernelBypass {
    pairs: Vec<(String, String)>,
    on: bool,
}

impl KernelBypass {
    /// The bypass for the inline pairs of `ifaces` (off); an error when
    /// there is no pair.
    pub(crate) fn new(ifaces: &Interfaces) -> Result<KernelBypass> {
        let pairs: Vec<(String, String)> = ifaces
            .entries
            .iter()
            .filter_map(|(a, b)| b.as_ref().map(|b| (a.clone(), b.clone())))
            .collect();
        if pairs.is_empty() {
            bail!("the bypass needs inline pairs (-Q -i A:B)");
        }
        Ok(KernelBypass { pairs, on: false })
    }

    /// Whether the filters are in place.
    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    /// Frames cross each pair in the kernel, uninspected. On an error the
    /// filters already added are removed again.
    pub(crate) fn enable(&mut self) -> Result<()> {
        for (a, b) in &self.pairs {
            for (from, to) in [(a, b), (b, a)] {
                // the qdisc may exist already (ours from a crash, or the
                // operator's): only the filter is ours
                let _ = tc(&["qdisc", "add", "dev", from, "clsact"]);
                let _ = tc(&["filter", "del", "dev", from, "ingress", "pref", TC_PREF]);
                let added = tc(&[
                    "filter", "add", "dev", from, "ingress", "pref", TC_PREF, "protocol", "all",
                    "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect",
                    "dev", to,
                ])
                .with_context(|| format!("cannot bypass {from} -> {to} with tc"));
                if let Err(e) = added {
                    self.remove_filters();
                    self.on = false;
                    return Err(e);
                }
            }
        }
        self.on = true;
        Ok(())
    }

    /// Frames go through warden again.
    pub(crate) fn disable(&mut self) {
        self.remove_filters();
        self.on = false;
    }

    fn remove_filters(&self) {
        for (a, b) in &self.pairs {
            for dev in [a, b] {
                let _ = tc(&["filter", "del", "dev", dev, "ingress", "pref", TC_PREF]);
            }
        }
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
