//! Timestamps and their two textual forms.
//!
//! Suricata prints times in the local zone of the sensor; warden always
//! prints UTC (offset `+0000`), which is what Suricata prints on a sensor
//! set to UTC, the usual deployment. Sub-second precision is microseconds,
//! truncated (not rounded) from the nanoseconds we carry.

use crate::json::write_u64;

/// A point in time as seconds and nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    pub secs: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
}

/// The (year, month, day) of the date `days` days after 1970-01-01
/// (negative: before it), in the proleptic Gregorian calendar: the
/// days-to-civil conversion over 400-year eras, valid for any i64 day
/// count a timestamp can hold.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A broken-down UTC time.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    micros: u32,
}

impl Timestamp {
    /// Builds a timestamp from seconds and microseconds (pcap's form).
    pub fn from_micros(secs: i64, micros: u32) -> Self {
        Timestamp {
            secs,
            nanos: micros.saturating_mul(1000),
        }
    }

    fn civil(self) -> Civil {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: sod / 3600,
            min: sod / 60 % 60,
            sec: sod % 60,
            micros: self.nanos.min(999_999_999) / 1000,
        }
    }

    /// Appends the EVE form, `2023-11-14T22:13:21.899448+0000`.
    pub fn write_iso(self, out: &mut Vec<u8>) {
        let c = self.civil();
        write_year(out, c.year);
        out.push(b'-');
        pad(out, c.month, 2);
        out.push(b'-');
        pad(out, c.day, 2);
        out.push(b'T');
        write_clock(out, &c);
        out.extend_from_slice(b"+0000");
    }

    /// Appends the fast.log form, `11/14/2023-22:13:21.899448`.
    pub fn write_fastlog(self, out: &mut Vec<u8>) {
        let c = self.civil();
        pad(out, c.month, 2);
        out.push(b'/');
        pad(out, c.day, 2);
        out.push(b'/');
        write_year(out, c.year);
        out.push(b'-');
        write_clock(out, &c);
    }
}

fn write_clock(out: &mut Vec<u8>, c: &Civil) {
    pad(out, c.hour, 2);
    out.push(b':');
    pad(out, c.min, 2);
    out.push(b':');
    pad(out, c.sec, 2);
    out.push(b'.');
    pad(out, c.micros, 6);
}

fn write_year(out: &mut Vec<u8>, y: i64) {
    if y < 0 {
        out.push(b'-');
    }
    let y = y.unsigned_abs();
    if y < 10_000 {
        pad(out, y as u32, 4);
    } else {
        write_u64(out, y);
    }
}

/// Appends `v` zero-padded to `width` digits.
fn pad(out: &mut Vec<u8>, v: u32, width: usize) {
    let mut tmp = [b'0'; 10];
    let mut v = v;
    let mut i = tmp.len();
    while v > 0 {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let start = (tmp.len() - width).min(i);
    out.extend_from_slice(&tmp[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(secs: i64, nanos: u32) -> String {
        let mut v = Vec::new();
        Timestamp { secs, nanos }.write_iso(&mut v);
        String::from_utf8(v).unwrap()
    }

    fn fast(secs: i64, nanos: u32) -> String {
        let mut v = Vec::new();
        Timestamp { secs, nanos }.write_fastlog(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn iso_form() {
        assert_eq!(
            iso(1_700_000_001, 899_448_999),
            "2023-11-14T22:13:21.899448+0000"
        );
        assert_eq!(iso(0, 0), "1970-01-01T00:00:00.000000+0000");
        assert_eq!(iso(951_782_400, 1000), "2000-02-29T00:00:00.000001+0000");
        assert_eq!(iso(-1, 0), "1969-12-31T23:59:59.000000+0000");
        assert_eq!(iso(4_102_444_799, 0), "2099-12-31T23:59:59.000000+0000");
    }

    #[test]
    fn fastlog_form() {
        assert_eq!(
            fast(1_700_000_001, 899_448_000),
            "11/14/2023-22:13:21.899448"
        );
    }

    #[test]
    fn from_micros() {
        assert_eq!(
            Timestamp::from_micros(5, 7),
            Timestamp {
                secs: 5,
                nanos: 7000
            }
        );
    }
}
