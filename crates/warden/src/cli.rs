//! Command line: Suricata's and Snort's habits (`-r`, `-S`, `-s`, `-l`,
//! `-c`, `-k`, `-v`, `--set`, `--runmode`, `-T`, `-i`, `-Q`, `-q`,
//! `--unix-socket`), so existing scripts run.

use std::path::PathBuf;

use clap::{ArgAction, Parser, ValueEnum};

/// Checksum validation (`-k`), as Suricata's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ChecksumMode {
    /// Validate IP/TCP/UDP/ICMP checksums.
    All,
    /// Do not validate (captures taken with checksum offload).
    None,
    /// Validate (the default).
    #[default]
    Auto,
}

/// Suricata's run modes: `single` is one worker; `workers` (and
/// `autofp`, taken as `workers`) spreads a capture's flows over
/// `--threads` worker threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RunMode {
    Single,
    Autofp,
    Workers,
}

#[derive(Parser, Debug, Clone)]
#[command(
    name = "warden",
    version,
    about = "Network intrusion detection and prevention engine for Snort/Suricata rules",
    after_help = "Example: warden -r capture.pcap -S rules/emerging.rules -l out/\n\
                  A running warden (--unix-socket) is controlled with: warden ctl [--socket PATH] COMMAND (see warden ctl --help)\n\
                  Audit a ruleset before enforcing it: warden audit (-c FILE | -S FILE) [--inventory FILE] [--json] (see warden audit --help)\n\
                  Preview what blocking would do to recorded traffic: warden impact -r PCAP|DIR (-c FILE | -S FILE) [--baseline FILE] [--json FILE] [--html FILE] (see warden impact --help)\n\
                  Why a rule did or did not fire: warden explain -r PCAP (-c FILE | -S FILE) --sid N [--flow A-B] (see warden explain --help)"
)]
pub struct Cli {
    /// Read packets from a capture file (pcap/pcapng) or a folder of them.
    #[arg(short = 'r', value_name = "PATH")]
    pub read: Option<PathBuf>,

    /// Rule file to load; replaces the config's rule-files (repeatable).
    #[arg(short = 'S', value_name = "FILE", action = ArgAction::Append)]
    pub exclusive_rules: Vec<PathBuf>,

    /// Rule file to load in addition to the config's rule-files (repeatable).
    #[arg(short = 's', value_name = "FILE", action = ArgAction::Append)]
    pub extra_rules: Vec<PathBuf>,

    /// Folder for eve.json, fast.log and other logs.
    #[arg(short = 'l', value_name = "DIR")]
    pub log_dir: Option<PathBuf>,

    /// Configuration file (YAML, suricata.yaml-compatible vars).
    #[arg(short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Checksum validation.
    #[arg(short = 'k', value_enum, value_name = "MODE")]
    pub checksum: Option<ChecksumMode>,

    /// More output on stderr (repeat for more).
    #[arg(short = 'v', action = ArgAction::Count)]
    pub verbose: u8,

    /// Override a config value: --set vars.address-groups.HOME_NET=any
    #[arg(long = "set", value_name = "KEY=VALUE", action = ArgAction::Append)]
    pub set: Vec<String>,

    /// `single`: one worker (the default). `workers`: a capture (-r) is
    /// processed by --threads workers, each owning the flows a symmetric
    /// flow hash gives it (`autofp` is taken as `workers`). Live modes
    /// run one worker.
    #[arg(long = "runmode", value_enum)]
    pub runmode: Option<RunMode>,

    /// Worker threads for `--runmode workers` (default: the number of
    /// CPUs); given alone, it selects workers.
    #[arg(long = "threads", value_name = "N")]
    pub threads: Option<usize>,

    /// Replay the capture as if inline: drop and reject rules block their
    /// packet and the rest of its flow (alerts say `blocked`, drop events
    /// are written).
    #[arg(long = "simulate-ips")]
    pub simulate_ips: bool,

    /// Account per-rule verification cost: the ten most expensive rules
    /// are printed at the end, every checked rule goes to
    /// `rule_perf.json` in the log folder.
    #[arg(long = "profile-rules")]
    pub profile_rules: bool,

    /// Live capture on interfaces: `-i eth0` watches (IDS), `-Q -i
    /// eth0:eth1` bridges the pair inline (repeatable, or comma separated).
    #[arg(short = 'i', value_name = "IFACE|A:B", action = ArgAction::Append)]
    pub interfaces: Vec<String>,

    /// Inline mode (IPS): with `-i A:B`, frames are forwarded between the
    /// pair only when the rules allow; drop and reject rules block.
    #[arg(short = 'Q')]
    pub inline: bool,

    /// With -Q: keep traffic flowing when the engine dies. A small
    /// supervisor runs the engine as a child process and joins each pair
    /// in the kernel (tc mirred redirect) whenever no engine is up.
    #[arg(long = "fail-open")]
    pub fail_open: bool,

    /// Live mode: open the control socket (`warden ctl` talks to it) at
    /// PATH, /run/warden/warden.sock when PATH is left out.
    #[arg(
        long = "unix-socket",
        value_name = "PATH",
        num_args = 0..=1,
        default_missing_value = warden_control::DEFAULT_SOCKET
    )]
    pub unix_socket: Option<PathBuf>,

    /// Inline mode over NFQUEUE: take packets from netfilter queue N (sent
    /// there by an nft `queue num N` or iptables `-j NFQUEUE --queue-num N`
    /// rule) and accept or drop each as the rules say (repeatable).
    #[arg(short = 'q', value_name = "N", action = ArgAction::Append)]
    pub queues: Vec<u16>,

    /// With -q: when a queue is full the kernel drops the packets that do
    /// not fit (fail-closed) instead of accepting them uninspected (the
    /// default; config `nfq.fail-open`).
    #[arg(long = "nfq-fail-closed")]
    pub nfq_fail_closed: bool,

    /// Asset inventory (YAML, or CSV by its .csv extension): a drop or
    /// reject rule tied to a CVE enforces only toward assets vulnerable to
    /// it and alerts toward the others (config `inventory.unknown:
    /// enforce|alert` for unlisted assets); reloads with the rules.
    #[arg(long = "inventory", value_name = "FILE")]
    pub inventory: Option<PathBuf>,

    /// Test the configuration and rules, then exit (non-zero on errors).
    #[arg(short = 'T')]
    pub test_config: bool,

    /// With -T: print every rule that did not load, and a summary, as JSON
    /// lines on stdout.
    #[arg(long = "json")]
    pub json: bool,

    /// Live reload (SIGUSR2): load the valid rules of a ruleset that has
    /// invalid ones, instead of refusing the whole reload.
    #[arg(long = "allow-partial")]
    pub allow_partial: bool,
}
