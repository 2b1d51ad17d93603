//! Header addresses and ports: lists, ranges, negation, CIDR v4/v6,
//! variables and their resolution (unknown variables with did-you-mean).

mod common;
use common::*;
use warden_rules::*;

fn ip(s: &str, prefix: u8) -> AddrExpr {
    AddrExpr::Ip(IpNet {
        addr: s.parse().unwrap(),
        prefix,
    })
}

fn hdr(src: &str, sp: &str, dst: &str, dp: &str) -> Result<Rule, Diagnostic> {
    full(&format!("alert ip {src} {sp} -> {dst} {dp} (sid:1;)"))
}

#[test]
fn addresses() {
    let r = hdr("[2001:db8::/32, !2001:db8::1]", "any", "!10.0.0.0/8", "any").unwrap();
    assert_eq!(
        r.src_addr,
        AddrExpr::List(vec![
            ip("2001:db8::", 32),
            AddrExpr::Not(Box::new(ip("2001:db8::1", 128)))
        ])
    );
    assert_eq!(r.dst_addr, AddrExpr::Not(Box::new(ip("10.0.0.0", 8))));
    let r = hdr(
        "[$HOME_NET,[1.1.1.1,!$DNS_SERVERS]]",
        "any",
        "::1-::5",
        "any",
    )
    .unwrap();
    assert_eq!(
        r.src_addr,
        AddrExpr::List(vec![
            AddrExpr::Var("HOME_NET".into()),
            AddrExpr::List(vec![
                ip("1.1.1.1", 32),
                AddrExpr::Not(Box::new(AddrExpr::Var("DNS_SERVERS".into())))
            ])
        ])
    );
    assert_eq!(
        r.dst_addr,
        AddrExpr::Range("::1".parse().unwrap(), "::5".parse().unwrap())
    );
    assert_eq!(
        hdr("ANY", "any", "any", "any").unwrap().src_addr,
        AddrExpr::Any
    );
    assert_eq!(
        full("alert ip 1.2.3.4/40 any -> any any (sid:1;)")
            .unwrap_err()
            .to_string(),
        "<input>:1:10: sid 1: invalid prefix length in '1.2.3.4/40', expected 0 to 32"
    );
    assert_eq!(
        hdr("2001:db8::/129", "any", "any", "any")
            .unwrap_err()
            .message,
        "invalid prefix length in '2001:db8::/129', expected 0 to 128"
    );
    assert_eq!(
        hdr("10.0.0.0/255.0.255.0", "any", "any", "any")
            .unwrap_err()
            .message,
        "invalid netmask in '10.0.0.0/255.0.255.0', expected contiguous bits"
    );
    assert_eq!(
        hdr("1.2.3.9-1.2.3.4", "any", "any", "any")
            .unwrap_err()
            .message,
        "invalid address range '1.2.3.9-1.2.3.4', expected start <= end of the same family"
    );
    assert_eq!(
        hdr("1.2.3.4-::1", "any", "any", "any").unwrap_err().message,
        "invalid address range '1.2.3.4-::1', expected start <= end of the same family"
    );
    assert_eq!(
        hdr("1.2.3", "any", "any", "any").unwrap_err().message,
        "invalid address '1.2.3', expected an IPv4/IPv6 address, CIDR block, range, variable or 'any'"
    );
    assert_eq!(
        hdr("[]", "any", "any", "any").unwrap_err().message,
        "expected address in list, found ']'"
    );
    assert_eq!(
        hdr("[1.1.1.1;2.2.2.2]", "any", "any", "any").unwrap_err().message,
        "invalid address '1.1.1.1;2.2.2.2', expected an IPv4/IPv6 address, CIDR block, range, variable or 'any'"
    );
    assert_eq!(
        hdr("$HOME+NET", "any", "any", "any").unwrap_err().message,
        "invalid variable name '$HOME+NET'"
    );
}

#[test]
fn ports() {
    let r = hdr("any", "[80,443,8000:8100,!8080]", "any", "!:1023").unwrap();
    assert_eq!(
        r.src_port,
        PortExpr::List(vec![
            PortExpr::Port(80),
            PortExpr::Port(443),
            PortExpr::Range(8000, 8100),
            PortExpr::Not(Box::new(PortExpr::Port(8080)))
        ])
    );
    assert_eq!(
        r.dst_port,
        PortExpr::Not(Box::new(PortExpr::Range(0, 1023)))
    );
    let r = hdr("any", "$HTTP_PORTS", "any", "0:").unwrap();
    assert_eq!(r.src_port, PortExpr::Var("HTTP_PORTS".into()));
    assert_eq!(r.dst_port, PortExpr::Range(0, 65535));
    assert_eq!(
        full("alert tcp any 90:80 -> any any (sid:1;)")
            .unwrap_err()
            .to_string(),
        "<input>:1:15: sid 1: invalid port range '90:80', the lower bound is above the upper bound"
    );
    // Regression: an unclosed list used to be reported as a wrong number
    // of header fields.
    assert_eq!(
        full("alert tcp any [80,81 -> any any (sid:1;)")
            .unwrap_err()
            .to_string(),
        "<input>:1:15: sid 1: unclosed '[' in the header, expected a matching ']'"
    );
    assert_eq!(
        hdr("any", "80]", "any", "any").unwrap_err().message,
        "unexpected ']' without a matching '['"
    );
    assert_eq!(
        hdr("any", "http", "any", "any").unwrap_err().message,
        "invalid port 'http', expected a number 0 to 65535, a range lo:hi, a variable or 'any'"
    );
    assert_eq!(
        hdr("any", "[80 443]", "any", "any").unwrap_err().message,
        "expected ',' or ']' in port list, found '443]'"
    );
}

#[test]
fn resolution() {
    let mut v = Vars::suricata_defaults();
    v.set_address("$V6", "[2001:db8::/32]");
    let r = hdr(
        "[$HOME_NET,$V6,!192.168.1.0/24]",
        "any",
        "any",
        "[1:100,!$HTTP_PORTS]",
    )
    .unwrap();
    let h = resolve_header(&r, &v).unwrap();
    assert!(h.src_addr.contains("192.168.2.1".parse().unwrap()));
    assert!(!h.src_addr.contains("192.168.1.1".parse().unwrap()));
    assert!(h.src_addr.contains("2001:db8::5".parse().unwrap()));
    assert!(!h.src_addr.contains("2001:db9::5".parse().unwrap()));
    assert_eq!(h.dst_port.ranges(), &[(1, 79), (81, 100)]);
    assert!(h.dst_addr.is_any() && h.src_port.is_any());

    // Unknown variables: full diagnostic, with a suggestion.
    let r = full("alert tcp $HOME_NETS any -> any any (sid:9;)").unwrap();
    assert_eq!(
        resolve_header(&r, &v).unwrap_err().to_string(),
        "<input>:1:1: sid 9: source address: unknown variable $HOME_NETS (did you mean $HOME_NET?)"
    );
    let r = full("alert tcp any any -> any $HTTP_PORT (sid:9;)").unwrap();
    assert_eq!(
        resolve_header(&r, &v).unwrap_err().message,
        "destination port: unknown variable $HTTP_PORT (did you mean $HTTP_PORTS?)"
    );
    let r = full("alert tcp any $HOME_NET -> any any (sid:9;)").unwrap();
    assert_eq!(
        resolve_header(&r, &v).unwrap_err().message,
        "source port: unknown variable $HOME_NET (it is an address variable)"
    );
    let r = full("alert tcp any any -> $QQQ any (sid:9;)").unwrap();
    assert_eq!(
        resolve_header(&r, &v).unwrap_err().message,
        "destination address: unknown variable $QQQ"
    );
    v.set_port("BAD", "[1,x]");
    assert_eq!(
        resolve_ports(&PortExpr::Var("BAD".into()), &v)
            .unwrap_err()
            .message,
        "variable $BAD: invalid port 'x', expected a number 0 to 65535, a range lo:hi, a variable or 'any'"
    );
    assert_eq!(
        resolve_ports(&PortExpr::Not(Box::new(PortExpr::Any)), &v)
            .unwrap_err()
            .message,
        "port expression matches no port"
    );
}
