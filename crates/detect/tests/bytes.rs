//! byte_test, byte_jump, byte_extract, byte_math.

mod common;
use common::*;

fn fires(body: &str, payload: &[u8]) -> bool {
    udp_fires(&udp_rule(body), payload)
}

#[test]
fn byte_test_each_operator() {
    let p = b"\x01\x02"; // 0x0102 = 258
    assert!(fires("byte_test:2,=,258,0;", p));
    assert!(!fires("byte_test:2,=,257,0;", p));
    assert!(fires("byte_test:2,<,259,0;", p));
    assert!(!fires("byte_test:2,<,258,0;", p));
    assert!(fires("byte_test:2,>,257,0;", p));
    assert!(!fires("byte_test:2,>,258,0;", p));
    assert!(fires("byte_test:2,<=,258,0;", p));
    assert!(!fires("byte_test:2,<=,257,0;", p));
    assert!(fires("byte_test:2,>=,258,0;", p));
    assert!(!fires("byte_test:2,>=,259,0;", p));
    // & : any bit in common
    assert!(fires("byte_test:2,&,0x0100,0;", p));
    assert!(!fires("byte_test:2,&,0x0001,0;", p));
    // ^ : differs
    assert!(fires("byte_test:2,^,0x0103,0;", p));
    assert!(!fires("byte_test:2,^,0x0102,0;", p));
    // negation
    assert!(fires("byte_test:2,!=,257,0;", p));
    assert!(!fires("byte_test:2,!=,258,0;", p));
    assert!(fires("byte_test:2,!<,258,0;", p));
    assert!(!fires("byte_test:2,!<,259,0;", p));
}

#[test]
fn byte_test_offset_and_bounds() {
    assert!(fires("byte_test:1,=,0x33,2;", b"\x11\x22\x33"));
    assert!(!fires("byte_test:1,=,0x33,1;", b"\x11\x22\x33"));
    // reading past the end never matches, even negated
    assert!(!fires("byte_test:2,=,0,2;", b"\x11\x22\x33"));
    assert!(!fires("byte_test:2,!=,0,2;", b"\x11\x22\x33"));
}

#[test]
fn byte_test_string_forms() {
    assert!(fires("byte_test:3,>,100,0,string,dec;", b"123abc"));
    assert!(!fires("byte_test:3,>,200,0,string,dec;", b"123abc"));
    assert!(fires("byte_test:2,=,31,0,string,hex;", b"1f"));
    assert!(fires("byte_test:2,=,0x1f,0,string,hex;", b"1F"));
    assert!(!fires("byte_test:2,=,31,0,string,dec;", b"1f"));
    assert!(fires("byte_test:3,=,8,0,string,oct;", b"010"));
    // not a number
    assert!(!fires("byte_test:3,>,0,0,string,dec;", b"abc"));
}

#[test]
fn byte_test_little_endian() {
    assert!(fires("byte_test:2,=,0x0201,0,little;", b"\x01\x02"));
    assert!(!fires("byte_test:2,=,0x0102,0,little;", b"\x01\x02"));
    assert!(fires("byte_test:4,=,1,0,little;", b"\x01\0\0\0"));
    assert!(fires("byte_test:4,=,1,0,big;", b"\0\0\0\x01"));
}

#[test]
fn byte_test_bitmask() {
    // 0xABCD & 0x0ff0 = 0x0bc0, shifted right by 4 = 0xbc
    assert!(fires("byte_test:2,=,0xbc,0,bitmask 0x0ff0;", b"\xab\xcd"));
    assert!(!fires("byte_test:2,=,0xbc0,0,bitmask 0x0ff0;", b"\xab\xcd"));
    assert!(fires("byte_test:1,=,1,0,bitmask 0x80;", b"\x80"));
    assert!(!fires("byte_test:1,=,1,0,bitmask 0x80;", b"\x7f"));
}

#[test]
fn byte_test_relative() {
    let r = r#"content:"LEN"; byte_test:1,=,7,0,relative;"#;
    assert!(fires(r, b"xxLEN\x07"));
    assert!(!fires(r, b"xxLEN\x06"));
    let r = r#"content:"LEN"; byte_test:1,=,7,1,relative;"#;
    assert!(fires(r, b"LEN.\x07"));
    // the second LEN passes where the first fails
    let r = r#"content:"LEN"; byte_test:1,=,7,0,relative;"#;
    assert!(fires(r, b"LEN\x01LEN\x07"));
}

#[test]
fn byte_jump_relative_then_content() {
    // length byte 3, skip three bytes, then "Z"
    let r = r#"content:"L"; byte_jump:1,0,relative; content:"Z"; distance:0; within:1;"#;
    assert!(fires(r, b"L\x03abcZ"));
    assert!(!fires(r, b"L\x02abcZ"));
    assert!(!fires(r, b"L\x04abcZ"));
}

#[test]
fn byte_jump_multiplier() {
    let r = r#"byte_jump:1,0,multiplier 2; content:"Z"; distance:0; within:1;"#;
    assert!(fires(r, b"\x02abcdZ"));
    assert!(!fires(r, b"\x02abZ"));
}

#[test]
fn byte_jump_align() {
    // value 1 rounded up to 4: lands at 1 + 4 = 5
    let r = r#"byte_jump:1,0,align; content:"Z"; distance:0; within:1;"#;
    assert!(fires(r, b"\x01abcdZ"));
    assert!(!fires(r, b"\x01aZ"));
    // value 4 stays 4
    assert!(fires(r, b"\x04abcdZ"));
}

#[test]
fn byte_jump_from_beginning() {
    // value 3 from the buffer start, not from after the read bytes
    let r =
        r#"content:"X"; byte_jump:1,0,relative,from_beginning; content:"Z"; distance:0; within:1;"#;
    assert!(fires(r, b"X\x03aZ"));
    assert!(!fires(r, b"X\x03aaaZ"));
}

#[test]
fn byte_jump_post_offset() {
    let r = r#"byte_jump:1,0,post_offset 2; content:"Z"; distance:0; within:1;"#;
    // 1 + 1 + 2 = 4
    assert!(fires(r, b"\x01abcZ"));
    assert!(!fires(r, b"\x01aZ"));
    let r = r#"byte_jump:1,0,post_offset -1; content:"Z"; distance:0; within:1;"#;
    assert!(fires(r, b"\x03abZd"));
    assert!(!fires(r, b"\x03aZcd"));
}

#[test]
fn byte_jump_past_the_end_fails() {
    let r = r#"byte_jump:1,0; isdataat:!1,relative;"#;
    assert!(!fires(r, b"\x09ab"));
}

#[test]
fn byte_jump_string_dec() {
    let r = r#"content:"SIZE "; byte_jump:2,0,relative,string,dec; content:"END"; distance:0; within:3;"#;
    assert!(fires(r, b"SIZE 04xxxxEND"));
    assert!(!fires(r, b"SIZE 05xxxxEND"));
}

#[test]
fn byte_extract_feeds_depth_and_offset() {
    // offset from the packet
    let r = r#"byte_extract:1,0,off; content:"Z"; offset:off; depth:1;"#;
    assert!(fires(r, b"\x03abZ"));
    assert!(!fires(r, b"\x02abZ"));
    // depth from the packet
    let r = r#"byte_extract:1,0,dep; content:"Z"; depth:dep;"#;
    assert!(fires(r, b"\x04abZ"));
    assert!(!fires(r, b"\x03abZ"));
}

#[test]
fn byte_extract_feeds_distance_and_within() {
    let r = r#"content:"L"; byte_extract:1,0,n,relative; content:"Z"; distance:n; within:1;"#;
    assert!(fires(r, b"L\x02abZ"));
    assert!(!fires(r, b"L\x01abZ"));
    let r = r#"content:"L"; byte_extract:1,0,n,relative; content:"END"; distance:0; within:n;"#;
    assert!(fires(r, b"L\x05abEND"));
    assert!(!fires(r, b"L\x04abEND"));
}

#[test]
fn byte_extract_feeds_byte_test() {
    // first byte must equal the third
    let r = "byte_extract:1,0,v; byte_test:1,=,v,2;";
    assert!(fires(r, b"\x07.\x07"));
    assert!(!fires(r, b"\x07.\x08"));
}

#[test]
fn byte_extract_multiplier_string_and_little() {
    let r = r#"byte_extract:1,0,n,multiplier 2; content:"Z"; offset:n; depth:1;"#;
    assert!(fires(r, b"\x02abcZ"));
    assert!(!fires(r, b"\x02abZ"));
    let r = r#"byte_extract:2,0,n,string,dec; content:"Z"; offset:n; depth:1;"#;
    assert!(fires(r, b"04xxZ"));
    assert!(!fires(r, b"03xxZ"));
    let r = "byte_extract:2,0,n,little; byte_test:2,=,n,2,big;";
    assert!(fires(r, b"\x01\x02\x02\x01"));
    assert!(!fires(r, b"\x01\x02\x01\x02"));
}

#[test]
fn byte_math_result_used_by_byte_test() {
    let r = "byte_math:bytes 1, offset 0, oper +, rvalue 1, result r; byte_test:1,=,r,1;";
    assert!(fires(r, b"\x05\x06"));
    assert!(!fires(r, b"\x05\x05"));
    let r = "byte_math:bytes 1, offset 0, oper *, rvalue 3, result r; byte_test:1,=,r,1;";
    assert!(fires(r, b"\x05\x0f"));
    let r = "byte_math:bytes 1, offset 0, oper -, rvalue 1, result r; byte_test:1,=,r,1;";
    assert!(fires(r, b"\x05\x04"));
    let r = "byte_math:bytes 1, offset 0, oper /, rvalue 2, result r; byte_test:1,=,r,1;";
    assert!(fires(r, b"\x09\x04"));
    let r = "byte_math:bytes 1, offset 0, oper <<, rvalue 1, result r; byte_test:1,=,r,1;";
    assert!(fires(r, b"\x03\x06"));
    let r = "byte_math:bytes 1, offset 0, oper >>, rvalue 1, result r; byte_test:1,=,r,1;";
    assert!(fires(r, b"\x07\x03"));
}

#[test]
fn byte_math_with_extracted_rvalue_and_relative() {
    let r = r#"byte_extract:1,0,a; content:"M"; byte_math:bytes 1, offset 0, oper +, rvalue a, relative, result r; byte_test:1,=,r,3;"#;
    // a = 2, byte after M = 3, r = 5 at index 3
    assert!(fires(r, b"\x02M\x03\x05"));
    assert!(!fires(r, b"\x02M\x03\x06"));
}

#[test]
fn byte_math_result_feeds_content_offset() {
    let r = r#"byte_math:bytes 1, offset 0, oper +, rvalue 1, result r; content:"Z"; offset:r; depth:1;"#;
    assert!(fires(r, b"\x02abZ"));
    assert!(!fires(r, b"\x02aZb"));
}
