//! The asset inventory `warden audit` and asset-aware scoping read beside the
//! rules: which hosts or networks exist, who owns them, which services
//! they expose and which CVEs they are vulnerable to or patched against.
//!
//! YAML (`assets:` list) or CSV (`address,owner,services,vulnerable,patched`
//! with `;`- or space-separated lists); every error names the file, the
//! asset and the field.

use std::net::IpAddr;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use warden_rules::IpSet;

/// One host or network of the inventory.
#[derive(Clone, Debug)]
pub struct Asset {
    /// The address or CIDR as written.
    pub address: String,
    /// The addresses it covers.
    pub addresses: IpSet,
    pub owner: Option<String>,
    pub services: Vec<Service>,
    /// Normalised CVE ids (`CVE-2024-0001`).
    pub vulnerable: Vec<String>,
    pub patched: Vec<String>,
}

/// A listening service: transport and port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    /// IP protocol number (6 TCP, 17 UDP, 132 SCTP).
    pub proto: u8,
    pub ports: (u16, u16),
}

impl Service {
    /// `tcp/443`, `udp/53`, `tcp/8000-8100`.
    pub fn parse(s: &str) -> Option<Service> {
        let (proto, ports) = s.trim().split_once('/')?;
        let proto = match proto.to_ascii_lowercase().as_str() {
            "tcp" => 6,
            "udp" => 17,
            "sctp" => 132,
            _ => return None,
        };
        let ports = match ports.split_once('-') {
            Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
            None => {
                let p = ports.parse().ok()?;
                (p, p)
            }
        };
        (ports.0 <= ports.1).then_some(Service { proto, ports })
    }
}

/// The whole inventory.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    pub assets: Vec<Asset>,
}

/// A CVE id in any of the spellings rules and inventories use
/// (`CVE-2021-44228`, `CVE_2021_44228`, `cve-2021-44228`, `2021-44228`),
/// as `CVE-2021-44228`; `None` when it is not one.
pub fn normalise_cve(s: &str) -> Option<String> {
    let t = s.trim().to_ascii_uppercase().replace('_', "-");
    let body = t.strip_prefix("CVE-").unwrap_or(&t);
    let (year, num) = body.split_once('-')?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    (year.len() == 4 && digits(year) && num.len() >= 4 && digits(num))
        .then(|| format!("CVE-{year}-{num}"))
}

/// An address or CIDR block.
fn parse_address(s: &str) -> Option<IpSet> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
        None => (s.parse::<IpAddr>().ok()?, None),
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then(|| IpSet::cidr(addr, prefix))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlInventory {
    assets: Vec<YamlAsset>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlAsset {
    address: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    vulnerable: Vec<String>,
    #[serde(default)]
    patched: Vec<String>,
}

impl Inventory {
    /// Reads a YAML or (by the `.csv` extension) CSV inventory.
    pub fn load(path: &Path) -> Result<Inventory> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("inventory {}: cannot read", path.display()))?;
        let csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let parsed = if csv {
            Inventory::parse_csv(&text)
        } else {
            Inventory::parse_yaml(&text)
        };
        parsed.with_context(|| format!("inventory {}", path.display()))
    }

    pub fn parse_yaml(text: &str) -> Result<Inventory> {
        let raw: YamlInventory = serde_norway::from_str(text).context("invalid inventory YAML")?;
        let mut assets = Vec::with_capacity(raw.assets.len());
        for (i, a) in raw.assets.into_iter().enumerate() {
            assets.push(
                asset(&a.address, a.owner, &a.services, &a.vulnerable, &a.patched)
                    .with_context(|| format!("asset {} ({})", i + 1, a.address))?,
            );
        }
        Ok(Inventory { assets })
    }

    /// A header line naming the columns (`address` required; `owner`,
    /// `services`, `vulnerable`, `patched` optional, any order), then one
    /// asset per line; lists are separated by `;` or spaces. Lines
    /// starting with `#` are comments.
    pub fn parse_csv(text: &str) -> Result<Inventory> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let Some((_, header)) = lines.next() else {
            bail!("empty inventory: expected a header line (address,owner,services,vulnerable,patched)");
        };
        let columns: Vec<String> = header
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        for c in &columns {
            if !["address", "owner", "services", "vulnerable", "patched"].contains(&c.as_str()) {
                bail!("line 1: unknown column '{c}' (expected address, owner, services, vulnerable, patched)");
            }
        }
        let col = |name: &str| columns.iter().position(|c| c == name);
        let Some(addr_col) = col("address") else {
            bail!("line 1: no 'address' column");
        };
        let mut assets = Vec::new();
        for (i, line) in lines {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != columns.len() {
                bail!(
                    "line {}: {} fields, the header names {}",
                    i + 1,
                    cells.len(),
                    columns.len()
                );
            }
            let list = |name: &str| -> Vec<String> {
                col(name).map_or_else(Vec::new, |c| {
                    cells[c]
                        .split([';', ' '])
                        .filter(|x| !x.is_empty())
                        .map(str::to_string)
                        .collect()
                })
            };
            let owner = col("owner")
                .map(|c| cells[c].to_string())
                .filter(|o| !o.is_empty());
            assets.push(
                asset(
                    cells[addr_col],
                    owner,
                    &list("services"),
                    &list("vulnerable"),
                    &list("patched"),
                )
                .with_context(|| format!("line {}", i + 1))?,
            );
        }
        Ok(Inventory { assets })
    }
}

fn asset(
    address: &str,
    owner: Option<String>,
    services: &[String],
    vulnerable: &[String],
    patched: &[String],
) -> Result<Asset> {
    let Some(addresses) = parse_address(address) else {
        bail!("address '{address}' is not an IPv4/IPv6 address or CIDR block");
    };
    let services = services
        .iter()
        .map(|s| {
            Service::parse(s).with_context(|| {
                format!("service '{s}' is not proto/port (tcp/443, udp/53, tcp/8000-8100)")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let cves = |field: &str, list: &[String]| -> Result<Vec<String>> {
        list.iter()
            .map(|c| {
                normalise_cve(c)
                    .with_context(|| format!("{field}: '{c}' is not a CVE id (CVE-2024-0001)"))
            })
            .collect()
    };
    let vulnerable = cves("vulnerable", vulnerable)?;
    let patched = cves("patched", patched)?;
    if let Some(both) = vulnerable.iter().find(|c| patched.contains(c)) {
        bail!("{both} is listed both as vulnerable and as patched");
    }
    Ok(Asset {
        address: address.trim().to_string(),
        addresses,
        owner,
        services,
        vulnerable,
        patched,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "assets:\n  - address: 192.0.2.10\n    owner: web-team\n    \
        services: [\"tcp/443\", \"tcp/80\"]\n    vulnerable: [CVE-2024-0001]\n    \
        patched: [cve_2023_1234]\n  - address: 2001:db8::/32\n";

    #[test]
    fn yaml_assets_are_read_and_cves_normalised() {
        let inv = Inventory::parse_yaml(YAML).unwrap();
        assert_eq!(inv.assets.len(), 2);
        let a = &inv.assets[0];
        assert_eq!(a.owner.as_deref(), Some("web-team"));
        assert_eq!(
            a.services,
            [
                Service {
                    proto: 6,
                    ports: (443, 443)
                },
                Service {
                    proto: 6,
                    ports: (80, 80)
                }
            ]
        );
        assert_eq!(a.vulnerable, ["CVE-2024-0001"]);
        assert_eq!(a.patched, ["CVE-2023-1234"]);
        assert!(a.addresses.contains("192.0.2.10".parse().unwrap()));
        assert!(inv.assets[1]
            .addresses
            .contains("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn csv_matches_yaml() {
        let csv = "# inventory\naddress,owner,services,vulnerable,patched\n\
                   192.0.2.10,web-team,tcp/443;tcp/80,CVE-2024-0001,CVE-2023-1234\n\
                   2001:db8::/32,,,,\n";
        let inv = Inventory::parse_csv(csv).unwrap();
        assert_eq!(inv.assets.len(), 2);
        assert_eq!(inv.assets[0].services.len(), 2);
        assert_eq!(inv.assets[0].patched, ["CVE-2023-1234"]);
        assert_eq!(inv.assets[1].owner, None);
    }

    #[test]
    fn errors_name_the_asset_and_the_field() {
        let err = |text: &str| format!("{:#}", Inventory::parse_yaml(text).unwrap_err());
        assert_eq!(
            err("assets:\n  - address: 192.0.2.300\n"),
            "asset 1 (192.0.2.300): address '192.0.2.300' is not an IPv4/IPv6 address or CIDR block"
        );
        assert_eq!(
            err("assets:\n  - address: 10.0.0.1\n  - address: 10.0.0.2\n    services: [https]\n"),
            "asset 2 (10.0.0.2): service 'https' is not proto/port (tcp/443, udp/53, tcp/8000-8100)"
        );
        assert_eq!(
            err("assets:\n  - address: 10.0.0.1\n    vulnerable: [log4shell]\n"),
            "asset 1 (10.0.0.1): vulnerable: 'log4shell' is not a CVE id (CVE-2024-0001)"
        );
        assert!(err("assets:\n  - addr: 10.0.0.1\n").contains("unknown field `addr`"));
        let csv = Inventory::parse_csv("address,services\n10.0.0.1,tcp/x\n").unwrap_err();
        assert_eq!(
            format!("{csv:#}"),
            "line 2: service 'tcp/x' is not proto/port (tcp/443, udp/53, tcp/8000-8100)"
        );
    }

    #[test]
    fn cve_spellings() {
        for s in [
            "CVE-2021-44228",
            "CVE_2021_44228",
            "cve-2021-44228",
            "2021-44228",
        ] {
            assert_eq!(normalise_cve(s).as_deref(), Some("CVE-2021-44228"), "{s}");
        }
        assert_eq!(normalise_cve("CVE-21-1"), None);
    }
}
