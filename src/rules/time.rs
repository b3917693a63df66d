//! The times line prefixes print, read into timestamps.
//!
//! Which format a prefix uses is the prefix rule's `time_format`, so a new
//! capture tool is an edit of `rules/prefix.toml`. Times without a zone
//! are UTC (cc-ci's node runs in UTC); syslog-style times print no year,
//! so the caller gives one (the file's modification year).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use serde::Deserialize;

/// How a prefix rule's `time` capture is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeFormat {
    /// `2026-06-17T03:09:12Z`, `…+00:00`, `…+0000` (journald short-iso),
    /// fractions allowed, `T` or a space; no zone means UTC.
    Rfc3339,
    /// `Jun 17 03:09:12` or `Jun 17 03:09:12.123456` (journald short and
    /// short-precise, moreutils `ts`): no year.
    Syslog,
    /// Seconds since the start of a step (Drone's `time`).
    Seconds,
    /// The prefix gives no time.
    None,
}

impl TimeFormat {
    /// Reads `s`; `year` stands in for formats without one. Relative
    /// seconds read as an offset from the epoch: the caller anchors them.
    pub fn parse(self, s: &str, year: i16) -> Option<Timestamp> {
        let s = s.trim();
        match self {
            TimeFormat::Rfc3339 => rfc3339(s),
            TimeFormat::Syslog => syslog(s, year),
            TimeFormat::Seconds => {
                let secs: f64 = s.parse().ok()?;
                Timestamp::from_millisecond((secs * 1000.0) as i64).ok()
            }
            TimeFormat::None => None,
        }
    }
}

/// RFC 3339 and its relatives: `T` or space, `Z`, `+hh:mm`, `+hhmm`, or
/// no zone (UTC).
fn rfc3339(s: &str) -> Option<Timestamp> {
    let mut t = s.replacen(' ', "T", 1);
    let zone_at = t
        .char_indices()
        .skip(19)
        .find(|&(_, c)| c == 'Z' || c == '+' || c == '-')
        .map(|(i, _)| i);
    match zone_at {
        None => t.push('Z'),
        Some(i) => {
            let zone = &t[i..];
            if zone.len() == 5 && !zone.contains(':') {
                let fixed = format!("{}:{}", &zone[..3], &zone[3..]);
                t.replace_range(i.., &fixed);
            }
        }
    }
    t.parse().ok()
}

/// `Jun 17 03:09:12[.frac]` in `year`, UTC.
fn syslog(s: &str, year: i16) -> Option<Timestamp> {
    let mut parts = s.split_whitespace();
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let day: i8 = parts.next()?.parse().ok()?;
    let clock = parts.next()?;
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut hms = hms.split(':');
    let h: i8 = hms.next()?.parse().ok()?;
    let m: i8 = hms.next()?.parse().ok()?;
    let sec: i8 = hms.next()?.parse().ok()?;
    let nanos: i32 = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().take(9).collect();
        let n: i32 = digits.parse().ok()?;
        n * 10_i32.pow(9 - digits.len() as u32)
    };
    let dt = DateTime::from_parts(
        Date::new(year, month, day).ok()?,
        Time::new(h, m, sec, nanos).ok()?,
    );
    dt.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_and_its_relatives() {
        for s in [
            "2026-06-17T03:09:12Z",
            "2026-06-17T03:09:12+00:00",
            "2026-06-17T03:09:12+0000",
            "2026-06-17 03:09:12",
        ] {
            assert_eq!(
                TimeFormat::Rfc3339.parse(s, 0).unwrap().to_string(),
                "2026-06-17T03:09:12Z",
                "{s}"
            );
        }
        assert_eq!(
            TimeFormat::Rfc3339
                .parse("2026-06-17T05:09:12.5+0200", 0)
                .unwrap()
                .to_string(),
            "2026-06-17T03:09:12.5Z"
        );
    }

    #[test]
    fn syslog_times_take_the_year_given() {
        assert_eq!(
            TimeFormat::Syslog
                .parse("Jun 17 03:09:12", 2026)
                .unwrap()
                .to_string(),
            "2026-06-17T03:09:12Z"
        );
        assert_eq!(
            TimeFormat::Syslog
                .parse("Jun  7 03:09:12.250000", 2026)
                .unwrap()
                .to_string(),
            "2026-06-07T03:09:12.25Z"
        );
        assert!(TimeFormat::Syslog.parse("Foo 17 03:09:12", 2026).is_none());
    }
}
