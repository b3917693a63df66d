//! A Drone step log saved as JSON: the array of `{"pos", "out", "time"}`
//! that Drone's log API returns, `time` in seconds since the step began.
//!
//! The array is streamed element by element (serde's sequence visitor), so
//! a large log is never held whole; the lines go to the same scanner as a
//! plain console. Drone's times are relative: the console's duration is
//! known, its clock is not, and the run's other files anchor it.

use std::fmt;
use std::io::Read;

use serde::Deserialize;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};

use super::console::{CHUNK, Scanner};

/// One line record of Drone's log API.
#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    out: String,
    #[serde(default)]
    time: Option<f64>,
}

/// Streams the records of `r` into `scanner`.
pub fn feed(r: impl Read, scanner: &mut Scanner<'_>) -> std::io::Result<()> {
    let reader = std::io::BufReader::with_capacity(1 << 16, r);
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut sink = Sink {
        scanner,
        buf: Vec::new(),
    };
    (&mut sink).deserialize(&mut de).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("Drone JSON log: {e}"),
        )
    })?;
    if !sink.buf.is_empty() {
        let buf = std::mem::take(&mut sink.buf);
        sink.scanner.feed(&buf);
    }
    Ok(())
}

struct Sink<'s, 'r> {
    scanner: &'s mut Scanner<'r>,
    buf: Vec<u8>,
}

impl<'de> DeserializeSeed<'de> for &mut Sink<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for &mut Sink<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of {pos, out, time} records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(line) = seq.next_element::<Line>()? {
            if let Some(t) = line.time.filter(|t| t.is_finite()) {
                self.scanner.relative_time(t);
            }
            self.buf.extend_from_slice(line.out.as_bytes());
            if !line.out.ends_with('\n') {
                self.buf.push(b'\n');
            }
            if self.buf.len() >= CHUNK {
                let buf = std::mem::take(&mut self.buf);
                self.scanner.feed(&buf);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::console::{ScanOptions, scan_file};
    use crate::rules::RuleSet;

    #[test]
    fn a_drone_json_log_is_a_console_with_relative_times() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("753-step-2.json");
        std::fs::write(
            &p,
            r#"[{"pos":0,"out":"+ RECIPE=mattermost-lts cc-ci-run runner/run_recipe_ci.py\n","time":0},
               {"pos":1,"out":"Restoring Snapshot b0495d36 at /\n","time":1210},
               {"pos":2,"out":"psycopg2.errors.UndefinedTable: relation \"ci_marker\" does not exist","time":1304}]"#,
        )
        .unwrap();
        let scan = scan_file(
            &p,
            &RuleSet::builtin(),
            ScanOptions {
                per_rule: 8,
                identity: true,
                year_from: None,
            },
        )
        .unwrap();
        assert_eq!(scan.console.lines, 3);
        assert_eq!(scan.relative_seconds, Some(1304.0));
        let snap = scan
            .signals
            .iter()
            .find(|s| s.rule == "backupbot.restore-snapshot")
            .unwrap();
        assert_eq!(snap.loc.line, Some(2));
        assert!(scan.signals.iter().any(|s| s.rule == "identity.recipe"));
    }

    #[test]
    fn broken_drone_json_is_an_error_naming_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        std::fs::write(&p, r#"[{"pos":0,"out":"a\n","time":0}, {"pos":"#).unwrap();
        let err = scan_file(
            &p,
            &RuleSet::builtin(),
            ScanOptions {
                per_rule: 8,
                identity: false,
                year_from: None,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("Drone JSON log"), "{err}");
    }
}
