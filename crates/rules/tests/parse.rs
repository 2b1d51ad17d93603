//! Keyword, header, content, variable and file-loading tests with the exact
//! diagnostic text asserted.

use warden_rules::*;

const H: &str = "alert tcp any any -> any any";

fn rule(opts: &str) -> Result<Rule, Diagnostic> {
    parse_rule(&format!("{H} ({opts} sid:1;)"), Dialect::Suricata)
}

fn opt(opts: &str) -> RuleOption {
    rule(opts).unwrap_or_else(|d| panic!("{d}")).options[0]
        .node
        .clone()
}

/// The message of the diagnostic for an invalid rule.
fn err(opts: &str) -> String {
    rule(opts).expect_err(opts).message
}

#[test]
fn meta() {
    let r = parse_rule(
        r#"alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"a \"b\"\; c"; reference:url,example.com/x,y; classtype:trojan-activity; metadata: created_at 2020_01_01, signature_severity Major; target:dest_ip; priority:3; sid:2010935; rev:4; gid:3;)"#,
        Dialect::Suricata,
    )
    .unwrap();
    assert_eq!(r.meta.msg, "a \"b\"; c");
    assert_eq!(
        (r.meta.sid, r.meta.rev, r.meta.gid, r.meta.priority),
        (2010935, 4, 3, Some(3))
    );
    assert_eq!(
        r.meta.references,
        vec![Reference {
            system: "url".into(),
            id: "example.com/x,y".into()
        }]
    );
    assert_eq!(
        r.meta.metadata[1],
        ("signature_severity".into(), "Major".into())
    );
    assert_eq!(r.meta.target, Some(Target::Dst));
    assert_eq!(r.protocol, Protocol::App(AppProto::Http));
    let r = parse_rule(&format!("{H} (sid:5;)"), Dialect::Suricata).unwrap();
    assert_eq!((r.meta.rev, r.meta.gid), (0, 1));
    assert_eq!(
        parse_rule(&format!("{H} (msg:\"x\";)"), Dialect::Suricata)
            .unwrap_err()
            .message,
        "missing required option 'sid'"
    );
    assert_eq!(
        err("sid:2;"),
        "sid: given more than once, expected at most one"
    );
    assert_eq!(
        err("priority:0;"),
        "priority: value 0 is out of range, expected 1 to 255"
    );
    assert_eq!(
        err("rev:x;"),
        "rev: expected a number as an unsigned integer, found 'x'"
    );
    assert_eq!(
        err("reference:cve;"),
        "reference: invalid value 'cve', expected 'system,id'"
    );
    assert_eq!(
        err("target:src;"),
        "target: invalid value 'src', expected src_ip or dest_ip"
    );
    assert_eq!(
        err("classtype:a b;"),
        "classtype: invalid class name 'a b', expected letters, digits, '-' or '_'"
    );
}

#[test]
fn diagnostic_display_and_column() {
    let d = parse_rule_at(
        &format!("{H} (msg:\"x\"; pcre:\"/a/X\"; sid:2010935;)"),
        Dialect::Suricata,
        SourceLoc {
            file: "emerging-web.rules".into(),
            line: 113,
            column: 1,
        },
    )
    .unwrap_err();
    assert_eq!(d.to_string(), "emerging-web.rules:113:49: sid 2010935: pcre: unknown flag 'X', expected one of ismxAEGROBUIPQHDMCKSYVWZ");
    assert_eq!(
        err("contnet:\"a\";"),
        "unknown rule option 'contnet' (did you mean 'content'?)"
    );
}

#[test]
fn header() {
    let r = parse_rule(
        "drop tcp [10.0.0.0/8, !10.1.2.3, 2001:db8::/32] [1024:, !$HTTP_PORTS] <> !$HOME_NET [:1023,8080] (sid:1;)",
        Dialect::Suricata,
    )
    .unwrap();
    assert_eq!(r.action, Action::Drop);
    assert_eq!(r.direction, Direction::Both);
    let AddrExpr::List(items) = &r.src_addr else {
        panic!()
    };
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[1],
        AddrExpr::Not(Box::new(AddrExpr::Ip(IpNet {
            addr: "10.1.2.3".parse().unwrap(),
            prefix: 32
        })))
    );
    assert_eq!(
        r.src_port,
        PortExpr::List(vec![
            PortExpr::Range(1024, 65535),
            PortExpr::Not(Box::new(PortExpr::Var("HTTP_PORTS".into())))
        ])
    );
    assert_eq!(
        r.dst_addr,
        AddrExpr::Not(Box::new(AddrExpr::Var("HOME_NET".into())))
    );
    assert_eq!(
        r.dst_port,
        PortExpr::List(vec![PortExpr::Range(0, 1023), PortExpr::Port(8080)])
    );
    let r = parse_rule(
        "alert ip 1.2.3.4-1.2.3.9 any -> 10.0.0.0/255.255.0.0 any (sid:1;)",
        Dialect::Suricata,
    )
    .unwrap();
    assert!(matches!(r.src_addr, AddrExpr::Range(..)));
    assert_eq!(
        r.dst_addr,
        AddrExpr::Ip(IpNet {
            addr: "10.0.0.0".parse().unwrap(),
            prefix: 16
        })
    );
    let e = |s: &str| parse_rule(s, Dialect::Suricata).unwrap_err().message;
    assert_eq!(
        e("alert tcpp any any -> any any (sid:1;)"),
        "unknown protocol 'tcpp' (did you mean 'tcp'?)"
    );
    assert_eq!(e("sdrop tcp any any -> any any (sid:1;)"), "unknown action 'sdrop', expected alert, pass, drop, reject, rejectsrc, rejectdst, rejectboth or config (sdrop is Snort-only)");
    assert_eq!(
        e("alert tcp any any <- any any (sid:1;)"),
        "expected direction '->', '<>' or '=>', found '<-'"
    );
    assert_eq!(
        e("alert tcp any 70000 -> any any (sid:1;)"),
        "invalid port '70000', expected a number 0 to 65535, a range lo:hi, a variable or 'any'"
    );
    assert_eq!(
        e("alert tcp 1.2.3.4/33 any -> any any (sid:1;)"),
        "invalid prefix length in '1.2.3.4/33', expected 0 to 32"
    );
    assert_eq!(
        e("alert tcp [1.2.3.4 any -> any any (sid:1;)"),
        "unclosed '[' in the header, expected a matching ']'"
    );
    assert_eq!(e("alert tcp any any -> any any any (sid:1;)"), "expected 7 header fields (action protocol src_addr src_port direction dst_addr dst_port), found 8");
    assert_eq!(
        e("alert tcp any any -> any any sid:1;"),
        "expected '(' starting the rule options, found end of rule"
    );
}

#[test]
fn content_and_modifiers() {
    let RuleOption::Content(c) =
        opt(r#"content:!"a|0d 0A|\"\;\\"; nocase; offset:2; depth:10; fast_pattern; http_uri;"#)
    else {
        panic!()
    };
    assert_eq!(c.pattern, b"a\r\n\";\\");
    assert!(c.negated && c.nocase);
    assert_eq!(
        (c.offset, c.depth),
        (Some(IntOrVar::Int(2)), Some(IntOrVar::Int(10)))
    );
    assert_eq!(c.fast_pattern, Some(FastPattern::default()));
    assert_eq!(c.legacy_buffer, Some(Buffer::HttpUri));
    let r = rule(
        r#"content:"ab"; content:"cd"; distance:-1; within:var; fast_pattern:0,2; startswith;"#,
    );
    assert_eq!(
        r.unwrap_err().message,
        "startswith: cannot be combined with offset, depth, distance or within on the same content"
    );
    let RuleOption::Content(c) = opt(r#"uricontent:"/x"; fast_pattern:only;"#) else {
        panic!()
    };
    assert_eq!(c.legacy_buffer, Some(Buffer::HttpUri));
    assert_eq!(
        c.fast_pattern,
        Some(FastPattern {
            only: true,
            chop: None
        })
    );
    assert_eq!(
        err("nocase;"),
        "nocase: expected a preceding content option in the same buffer, found none"
    );
    assert_eq!(
        err(r#"content:"a"; http.uri; nocase;"#),
        "nocase: expected a preceding content option in the same buffer, found none"
    );
    assert_eq!(
        err(r#"content:"a"; nocase; nocase;"#),
        "nocase: already set for this content"
    );
    assert_eq!(
        err(r#"content:"abc"; depth:2;"#),
        "depth: value 2 is smaller than the content length 3"
    );
    assert_eq!(
        err(r#"content:"a"; depth:2; distance:1;"#),
        "distance: cannot be combined with the absolute modifiers offset/depth on the same content"
    );
    assert_eq!(
        err(r#"content:"a"; http_uri; http_header;"#),
        "http_header: content already has the buffer http.uri"
    );
    assert_eq!(
        err(r#"content:"a"; fast_pattern; content:"b"; fast_pattern;"#),
        "fast_pattern: already set on another content of this rule, expected at most one"
    );
    assert_eq!(
        err(r#"content:"a\x";"#),
        "content: invalid escape '\\x', expected \\\", \\;, \\: or \\\\"
    );
    assert_eq!(
        err(r#"content:"|4g|";"#),
        "content: invalid character 'g' in hex block, expected hex digits or spaces"
    );
    assert_eq!(err(r#"content:"";"#), "content: empty pattern");
    assert_eq!(
        err(r#"content:"a"; nocase:1;"#),
        "nocase: takes no value, found '1'"
    );
}

#[test]
fn pcre() {
    let RuleOption::Pcre(p) = opt(r#"pcre:!"/^a\/b[\;\"]/smiR";"#) else {
        panic!()
    };
    assert!(p.negated && p.flags.has('R') && p.flags.has('s'));
    assert_eq!(p.pattern, r#"^a\/b[\;\"]"#);
    let RuleOption::Pcre(p) = opt(r#"pcre:"/x/U";"#) else {
        panic!()
    };
    assert_eq!(p.flags.buffer(), Some(Buffer::HttpUri));
    assert_eq!(err(r#"pcre:"/a/ii";"#), "pcre: duplicate flag 'i'");
    assert_eq!(
        err(r#"pcre:"abc";"#),
        "pcre: expected '/' opening the pattern, found abc"
    );
    assert_eq!(
        err(r#"pcre:"/a/UH";"#),
        "pcre: flags 'UH' select more than one HTTP buffer, expected at most one"
    );
}

#[test]
fn buffers_and_transforms() {
    for (kw, b) in [
        ("http.uri", Buffer::HttpUri),
        ("file_data", Buffer::FileData),
        ("dns_query", Buffer::DnsQuery),
        ("tls_sni", Buffer::TlsSni),
        ("ja3_hash", Buffer::Ja3Hash),
        ("tcp.hdr", Buffer::TcpHdr),
        ("pkt_data", Buffer::PktData),
    ] {
        assert_eq!(opt(&format!("{kw};")), RuleOption::Buffer(b), "{kw}");
    }
    assert_eq!(
        err("http_uri;"),
        "http_uri: expected a preceding content option in the same buffer, found none"
    );
    assert_eq!(
        opt("dotprefix;"),
        RuleOption::Transform(Transform::Dotprefix)
    );
    assert_eq!(
        opt(r#"xor:"0d0a";"#),
        RuleOption::Transform(Transform::Xor(vec![13, 10]))
    );
    assert_eq!(
        err(r#"xor:"0d0";"#),
        "xor: invalid key '0d0', expected an even number of hex digits"
    );
    assert_eq!(
        opt(r#"pcrexform:"[a-z]+";"#),
        RuleOption::Transform(Transform::Pcrexform("[a-z]+".into()))
    );
    assert_eq!(err("to_md5:1;"), "to_md5: takes no value, found '1'");
}

#[test]
fn flow_and_bits() {
    assert_eq!(
        opt("flow:established,from_client;"),
        RuleOption::Flow(FlowFlags {
            established: true,
            to_server: true,
            ..Default::default()
        })
    );
    assert_eq!(
        err("flow:to_server,to_client;"),
        "flow: option 'to_client' conflicts with to_server/from_client"
    );
    assert_eq!(err("flow:establishd;").split(" (did").next().unwrap(), "flow: unknown option 'establishd', expected one of established, not_established, stateless, to_server, from_client, to_client, from_server, only_stream, no_stream, only_frag, no_frag");
    assert_eq!(
        opt("flowbits:isset,a|b;"),
        RuleOption::Flowbits(Flowbits {
            cmd: BitsCmd::IsSet,
            names: vec!["a".into(), "b".into()],
            op: BitsOp::Or
        })
    );
    assert_eq!(
        opt("flowbits:noalert;"),
        RuleOption::Flowbits(Flowbits {
            cmd: BitsCmd::NoAlert,
            names: vec![],
            op: BitsOp::Single
        })
    );
    assert_eq!(
        err("flowbits:set;"),
        "flowbits: expected a name after 'set', found none"
    );
    assert_eq!(
        err("flowbits:sett,x;"),
        "flowbits: unknown command 'sett', expected set, isset, isnotset, unset, toggle or noalert"
    );
    let RuleOption::Xbits(x) = opt("xbits:set,foo,track ip_src,expire 60;") else {
        panic!()
    };
    assert_eq!((x.track, x.expire), (Some(BitsTrack::IpSrc), Some(60)));
    assert_eq!(
        err("xbits:set,foo;"),
        "xbits: missing 'track', expected track ip_src, ip_dst or ip_pair"
    );
    assert!(matches!(
        opt("hostbits:set,foo,src;"),
        RuleOption::Hostbits(_)
    ));
    assert_eq!(
        opt("flowint:cnt,+,1;"),
        RuleOption::Flowint(Flowint {
            name: "cnt".into(),
            op: FlowintOp::Add,
            value: Some(IntOrVar::Int(1))
        })
    );
    assert_eq!(
        err("flowint:cnt,isset,1;"),
        "flowint: operator 'isset' takes no value"
    );
    assert_eq!(
        opt("stream_size:server,>,100;"),
        RuleOption::StreamSize(StreamSize {
            dir: StreamDir::Server,
            cmp: IntCmp {
                op: CmpOp::Gt,
                a: 100,
                b: 0
            }
        })
    );
    assert_eq!(err("stream_size:srv,>,1;"), "stream_size: invalid value 'srv,>,1', expected '<server|client|both|either>,<op>,<number>'");
    assert!(matches!(
        opt("flow.pkts_toserver:>5;"),
        RuleOption::FlowPkts(FlowCount {
            dir: Some(FlowDir::ToServer),
            ..
        })
    ));
    assert!(matches!(
        opt("app-layer-protocol:!http;"),
        RuleOption::AppLayerProtocol { negated: true, .. }
    ));
    assert_eq!(
        err("app-layer-protocol:htp;"),
        "app-layer-protocol: unknown protocol 'htp' (did you mean 'http'?)"
    );
}

#[test]
fn integers() {
    assert_eq!(
        opt("dsize:>128;"),
        RuleOption::Dsize(IntCmp {
            op: CmpOp::Gt,
            a: 128,
            b: 0
        })
    );
    assert_eq!(
        opt("dsize:10<>20;"),
        RuleOption::Dsize(IntCmp {
            op: CmpOp::Range,
            a: 10,
            b: 20
        })
    );
    assert_eq!(
        err("dsize:70000;"),
        "dsize: value 70000 is out of range, expected 0 to 65535"
    );
    assert_eq!(
        err("ttl:abc;"),
        "ttl: invalid comparison 'abc', expected N, =N, !N, <N, >N, <=N, >=N, N-M or N<>M"
    );
    assert_eq!(
        opt("window:!0;"),
        RuleOption::Window(IntCmp {
            op: CmpOp::Ne,
            a: 0,
            b: 0
        })
    );
    assert_eq!(
        opt("ip_proto:TCP;"),
        RuleOption::IpProto(IntCmp {
            op: CmpOp::Eq,
            a: 6,
            b: 0
        })
    );
    assert_eq!(
        opt("urilen:>100,raw;"),
        RuleOption::Urilen(Urilen {
            cmp: IntCmp {
                op: CmpOp::Gt,
                a: 100,
                b: 0
            },
            raw: true
        })
    );
    assert_eq!(
        err("urilen:5,x;"),
        "urilen: unknown mode 'x', expected raw or norm"
    );
    for k in [
        "itype:8",
        "icode:0",
        "icmp_id:5",
        "icmp_seq:5",
        "seq:1",
        "ack:0",
        "id:1",
        "tos:8",
        "bsize:<=5",
        "tcp.mss:<536",
        "fragoffset:>0",
        "flow.age:>10",
        "dns.opcode:!0",
        "vlan.layers:2",
        "vlan.id:200,1",
    ] {
        rule(&format!("{k};")).unwrap_or_else(|d| panic!("{k}: {d}"));
    }
    assert_eq!(
        err("itype:300;"),
        "itype: value 300 is out of range, expected 0 to 255"
    );
}

#[test]
fn packet_flags() {
    assert_eq!(
        opt("flags:S,CE;"),
        RuleOption::Flags(TcpFlagsMatch {
            flags: 0x02,
            modifier: None,
            ignore: 0xc0
        })
    );
    assert_eq!(
        opt("flags:!A;"),
        RuleOption::Flags(TcpFlagsMatch {
            flags: 0x10,
            modifier: Some(FlagModifier::Not),
            ignore: 0
        })
    );
    assert_eq!(
        err("flags:SX;"),
        "flags: unknown flag 'X', expected letters of FSRPAUCE, 1, 2 or 0"
    );
    assert_eq!(
        opt("fragbits:M+;"),
        RuleOption::Fragbits(Fragbits {
            flags: Fragbits::M,
            modifier: Some(FlagModifier::Plus)
        })
    );
    assert_eq!(
        err("fragbits:Q;"),
        "fragbits: unknown bit 'Q', expected M, D or R"
    );
    assert_eq!(opt("ipopts:lsrr;"), RuleOption::IpOpts(IpOpt::Lsrr));
    assert_eq!(err("ipopts:foo;"), "ipopts: unknown option 'foo', expected rr, eol, nop, ts, sec, esec, lsrr, lsrre, ssrr, satid or any");
    assert_eq!(opt("sameip;"), RuleOption::SameIp);
}

#[test]
fn byte_keywords() {
    let RuleOption::ByteTest(b) = opt("byte_test:4,!&,0x80,0,relative,little,bitmask 0xff;") else {
        panic!()
    };
    assert!(
        b.negated
            && b.relative
            && b.endian == Endian::Little
            && b.op == ByteTestOp::And
            && b.bitmask == Some(255)
    );
    let RuleOption::ByteTest(b) = opt("byte_test:2,>,len,0,string,dec;") else {
        panic!()
    };
    assert_eq!(
        (b.value, b.string),
        (IntOrVar::Var("len".into()), Some(NumBase::Dec))
    );
    assert_eq!(
        err("byte_test:9,=,1,0;"),
        "byte_test: number of bytes 9 is out of range, expected 0 to 8"
    );
    assert_eq!(err("byte_test:1,~,1,0;"), "byte_test: unknown operator '~', expected <, >, <=, >=, =, &, ^ (optionally prefixed by !)");
    let RuleOption::ByteJump(j) =
        opt("byte_jump:4,12,relative,multiplier 2,align,from_beginning,post_offset -4;")
    else {
        panic!()
    };
    assert!(j.align && j.from_beginning && j.multiplier == Some(2) && j.post_offset == Some(-4));
    assert_eq!(
        err("byte_jump:4,0,from_beginning,from_end;"),
        "byte_jump: 'from_beginning' conflicts with 'from_end'"
    );
    let RuleOption::ByteExtract(e) = opt("byte_extract:2,0,len,relative,little;") else {
        panic!()
    };
    assert_eq!((e.bytes, e.name.as_str()), (2, "len"));
    assert_eq!(
        err("byte_extract:2,0;"),
        "byte_extract: expected at least 3 fields 'bytes, offset, name', found 2"
    );
    let RuleOption::ByteMath(m) =
        opt("byte_math:bytes 2, offset 0, oper *, rvalue 4, result r, relative, endian little;")
    else {
        panic!()
    };
    assert_eq!(
        (m.oper, m.result.as_str(), m.endian),
        (ByteMathOp::Mul, "r", Endian::Little)
    );
    assert_eq!(
        err("byte_math:bytes 2, offset 0, oper %, rvalue 4, result r;"),
        "byte_math: unknown operator '%', expected +, -, *, /, << or >>"
    );
    assert_eq!(
        opt("isdataat:!1,relative;"),
        RuleOption::IsDataAt(IsDataAt {
            offset: IntOrVar::Int(1),
            negated: true,
            relative: true,
            rawbytes: false
        })
    );
    assert_eq!(
        err("isdataat:1,foo;"),
        "isdataat: unknown option 'foo', expected relative or rawbytes"
    );
    assert_eq!(
        opt("base64_decode:bytes 10, relative;"),
        RuleOption::Base64Decode(Base64Decode {
            bytes: Some(10),
            relative: true,
            ..Default::default()
        })
    );
}

#[test]
fn post_and_app() {
    assert_eq!(
        opt("threshold: type limit, track by_src, count 1, seconds 60;"),
        RuleOption::Threshold(Threshold {
            kind: ThresholdKind::Limit,
            track: Track::BySrc,
            count: 1,
            seconds: 60,
            multiplier: None
        })
    );
    assert_eq!(
        err("threshold: type limit, track by_src, count 1;"),
        "threshold: missing field 'seconds'"
    );
    assert_eq!(
        err("threshold: type lim, track by_src, count 1, seconds 1;"),
        "threshold: unknown type 'lim', expected limit, threshold, both or backoff"
    );
    assert_eq!(
        opt("detection_filter:track by_dst, count 5, seconds 10;"),
        RuleOption::DetectionFilter(DetectionFilter {
            track: Track::ByDst,
            count: 5,
            seconds: 10
        })
    );
    assert_eq!(err("detection_filter:track by_x, count 5, seconds 10;"), "detection_filter: unknown track 'by_x', expected by_src, by_dst, by_rule, by_both or by_flow");
    assert_eq!(opt("noalert;"), RuleOption::Noalert);
    assert_eq!(opt("prefilter;"), RuleOption::Prefilter);
    assert_eq!(
        opt("tag:host,60,seconds,src;"),
        RuleOption::Tag(Tag {
            kind: TagKind::Host,
            limit: Some((60, TagMetric::Seconds)),
            direction: Some(Target::Src)
        })
    );
    assert_eq!(
        err("tag:flow;"),
        "tag: unknown type 'flow', expected session or host"
    );
    assert_eq!(
        opt("ssl_state:client_hello|!server_hello;"),
        RuleOption::SslState(vec![
            (false, SslStateFlag::ClientHello),
            (true, SslStateFlag::ServerHello)
        ])
    );
    assert_eq!(
        opt("ssl_version:!tls1.3;"),
        RuleOption::SslVersion(vec![(true, SslVersionName::Tls13)])
    );
    assert_eq!(opt("tls.version:1.2;"), RuleOption::TlsVersion(0x0303));
    assert_eq!(
        err("tls.version:9;"),
        "tls.version: invalid version '9', expected 1.0, 1.1, 1.2, 1.3 or a hex value like 0x0303"
    );
    assert_eq!(opt("tls_cert_expired;"), RuleOption::TlsCertExpired);
    assert_eq!(
        opt("decode-event:ipv4.trunc_pkt;"),
        RuleOption::DecodeEvent("ipv4.trunc_pkt".into())
    );
    assert_eq!(
        opt("app-layer-event:http.gzip_decompression_failed;"),
        RuleOption::AppLayerEvent("http.gzip_decompression_failed".into())
    );
    assert_eq!(
        err("stream-event:a b;"),
        "stream-event: invalid event name 'a b', expected a name such as 'ipv4.trunc_pkt'"
    );
    assert_eq!(
        opt("ftpbounce;"),
        RuleOption::Other {
            keyword: "ftpbounce",
            value: None
        }
    );
}

#[test]
fn vars_resolution() {
    let mut v = Vars::suricata_defaults();
    let home = resolve_addr(&AddrExpr::Var("HOME_NET".into()), &v).unwrap();
    assert!(
        home.contains("10.1.1.1".parse().unwrap()) && !home.contains("8.8.8.8".parse().unwrap())
    );
    let ext = resolve_addr(&AddrExpr::Var("EXTERNAL_NET".into()), &v).unwrap();
    assert!(ext.contains("8.8.8.8".parse().unwrap()) && !ext.contains("10.1.1.1".parse().unwrap()));
    assert!(resolve_addr(&AddrExpr::Any, &v).unwrap().is_any());
    assert_eq!(
        resolve_addr(&AddrExpr::Var("HOME_NETT".into()), &v)
            .unwrap_err()
            .message,
        "unknown variable $HOME_NETT (did you mean $HOME_NET?)"
    );
    let r = parse_rule(
        "alert tcp [$HOME_NET,!10.0.0.1] any -> any [$HTTP_PORTS,8080] (sid:1;)",
        Dialect::Suricata,
    )
    .unwrap();
    let h = resolve_header(&r, &v).unwrap();
    assert!(
        !h.src_addr.contains("10.0.0.1".parse().unwrap())
            && h.src_addr.contains("10.0.0.2".parse().unwrap())
    );
    assert!(h.dst_port.contains(80) && h.dst_port.contains(8080) && !h.dst_port.contains(81));
    let files = resolve_ports(&PortExpr::Var("FILE_DATA_PORTS".into()), &v).unwrap();
    assert!(files.contains(110) && files.contains(80));
    assert!(!resolve_ports(&PortExpr::Var("SHELLCODE_PORTS".into()), &v)
        .unwrap()
        .contains(80));
    v.set_address("A", "$B");
    v.set_address("B", "[1.2.3.4,$A]");
    assert_eq!(
        resolve_addr(&AddrExpr::Var("A".into()), &v)
            .unwrap_err()
            .message,
        "variable loop: $A -> $B -> $A"
    );
    assert_eq!(
        resolve_addr(&AddrExpr::Not(Box::new(AddrExpr::Any)), &v)
            .unwrap_err()
            .message,
        "address expression matches no address"
    );
    v.set_port("P", "[1:10,!5]");
    let p = resolve_ports(&PortExpr::Var("P".into()), &v).unwrap();
    assert_eq!(p.ranges(), &[(1, 4), (6, 10)]);
}

#[test]
fn files() {
    let dir = std::env::temp_dir().join(format!("warden-rules-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.rules"),
        "# comment\r\n#alert tcp any any -> any any (sid:9;)\r\n\r\nalert tcp any any -> any any (msg:\"x\"; \\\r\n  sid:1;)\r\ninclude $RULE_PATH/b.rules\r\nalert tcp any any -> any any (sid:1;)\r\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.rules"),
        "alert tcp any any -> any any (sid:2; bogus;)\n",
    )
    .unwrap();
    let src = load_rule_files(&[dir.join("a.rules")]);
    assert_eq!(src.rules.len(), 1);
    assert_eq!(src.commented_out, 1);
    assert_eq!(src.rules[0].loc.line, 4);
    let msgs: Vec<String> = src.diagnostics.iter().map(|d| d.to_string()).collect();
    let a = dir.join("a.rules").display().to_string();
    let b = dir.join("b.rules").display().to_string();
    assert_eq!(
        msgs,
        vec![
            format!("{b}:1:38: sid 2: unknown rule option 'bogus'"),
            format!("{a}:7:1: sid 1: duplicate sid 1 (also at {a}:4)")
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn classifications() {
    let c = Classifications::suricata_defaults();
    assert_eq!(c.get("trojan-activity").map(|x| x.priority), Some(1));
    let p = Classifications::parse("config classification: a,Desc,2\n").unwrap();
    assert_eq!(p.get("a").unwrap().description, "Desc");
    assert_eq!(
        Classifications::parse("config classification: a,b\n")
            .unwrap_err()
            .message,
        "expected 3 comma separated fields 'name,description,priority', found 'a,b'"
    );
}
