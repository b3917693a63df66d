//! results.json, schema 2 and schema 1 (shared/spec/cc-ci-runs.md §2).
//!
//! Read leniently: every key is optional, unknown keys are ignored, and a
//! value of the wrong type is treated as absent. A run directory whose
//! results.json is missing or broken is still triaged from what else it
//! has; the caller turns a parse error into a warning naming the file.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use serde_json::Value;

use crate::model::TierStatus;

/// The parts of results.json the tool uses (schema 1 and 2).
#[derive(Clone, Debug, Default)]
pub struct RunRecord {
    pub path: std::path::PathBuf,
    pub schema: u32,
    pub recipe: Option<String>,
    pub version: Option<String>,
    pub pr: Option<u64>,
    pub git_ref: Option<String>,
    pub run_id: Option<String>,
    pub finished: Option<Timestamp>,
    /// `results`: tier → status.
    pub results: BTreeMap<String, TierStatus>,
    /// `rungs` (schema 2).
    pub rungs: BTreeMap<String, TierStatus>,
    /// `skips.intentional`: rung → reason.
    pub intentional_skips: BTreeMap<String, String>,
    /// `skips.unintentional`.
    pub unintentional_skips: Vec<String>,
    pub lint_rules_failed: Vec<String>,
    pub level: Option<i64>,
}

/// Parses results.json bytes. Errors say what is wrong, for a warning.
pub fn parse(bytes: &[u8], path: &Path) -> Result<RunRecord, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("empty file".into());
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("not a JSON object".into());
    };
    let str_of = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    let mut rec = RunRecord {
        path: path.to_path_buf(),
        schema: obj.get("schema").and_then(Value::as_u64).unwrap_or(1) as u32,
        recipe: str_of("recipe"),
        version: str_of("version"),
        pr: obj.get("pr").and_then(Value::as_u64),
        git_ref: str_of("ref"),
        run_id: obj.get("run_id").and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        finished: obj.get("finished").and_then(epoch),
        level: obj.get("level").and_then(Value::as_i64),
        ..RunRecord::default()
    };
    rec.results = statuses(obj.get("results"));
    rec.rungs = statuses(obj.get("rungs"));
    if let Some(skips) = obj.get("skips") {
        if let Some(Value::Object(intentional)) = skips.get("intentional") {
            for (k, v) in intentional {
                let reason = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                rec.intentional_skips.insert(k.clone(), reason);
            }
        }
        if let Some(Value::Array(list)) = skips.get("unintentional") {
            rec.unintentional_skips = list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
    }
    // Schema 1 recorded intentional N/A as `na`: a map or a list of rungs.
    match obj.get("na") {
        Some(Value::Object(na)) => {
            for (k, v) in na {
                let reason = v.as_str().unwrap_or("EXPECTED_NA").to_string();
                rec.intentional_skips.entry(k.clone()).or_insert(reason);
            }
        }
        Some(Value::Array(na)) => {
            for k in na.iter().filter_map(Value::as_str) {
                rec.intentional_skips
                    .entry(k.to_string())
                    .or_insert_with(|| "EXPECTED_NA".to_string());
            }
        }
        _ => {}
    }
    if let Some(lint) = obj.get("lint") {
        if let Some(Value::Array(failed)) = lint.get("rules_failed") {
            rec.lint_rules_failed = failed
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
        if let Some(status) = lint
            .get("status")
            .and_then(Value::as_str)
            .and_then(TierStatus::parse)
        {
            rec.results.entry("lint".into()).or_insert(status);
        }
    }
    Ok(rec)
}

/// `{"install": "pass", ...}` → statuses; unknown words are dropped.
fn statuses(v: Option<&Value>) -> BTreeMap<String, TierStatus> {
    let mut out = BTreeMap::new();
    if let Some(Value::Object(map)) = v {
        for (k, v) in map {
            if let Some(s) = v.as_str().and_then(TierStatus::parse) {
                out.insert(k.clone(), s);
            }
        }
    }
    out
}

/// Epoch seconds (float or integer, or a numeric string) → timestamp.
fn epoch(v: &Value) -> Option<Timestamp> {
    let secs = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !secs.is_finite() {
        return None;
    }
    let whole = secs.floor() as i64;
    let nanos = ((secs - secs.floor()) * 1e9).round() as i32;
    Timestamp::new(whole, nanos.min(999_999_999)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_2_is_read() {
        let json = br#"{"schema": 2, "recipe": "mattermost-lts", "version": "2.1.9+10.11.15",
            "pr": null, "ref": "0a1b2c3d4e5f", "run_id": 753, "finished": 1781410971.5,
            "stages": [], "results": {"install": "pass", "restore": "fail", "upgrade": "skip"},
            "level": 3, "rungs": {"install": "pass", "backup_restore": "fail", "functional": "unver"},
            "skips": {"intentional": {"upgrade": "moving tag"}, "unintentional": ["functional"]},
            "lint": {"status": "pass", "detail": "", "rules_failed": ["R011"]},
            "flags": {"clean_teardown": true}}"#;
        let r = parse(json, Path::new("results.json")).unwrap();
        assert_eq!(r.schema, 2);
        assert_eq!(r.run_id.as_deref(), Some("753"));
        assert_eq!(r.results["restore"], TierStatus::Fail);
        assert_eq!(r.rungs["functional"], TierStatus::Unver);
        assert_eq!(r.intentional_skips["upgrade"], "moving tag");
        assert_eq!(r.lint_rules_failed, vec!["R011"]);
        assert_eq!(r.finished.unwrap().as_second(), 1781410971);
    }

    #[test]
    fn schema_1_without_schema_key_reads_na() {
        let json =
            br#"{"recipe": "gitea", "version": "3.0.0+1.23.1", "results": {"install": "pass"},
            "level": 6, "level_cap_reason": "x", "na": ["backup_restore"]}"#;
        let r = parse(json, Path::new("results.json")).unwrap();
        assert_eq!(r.schema, 1);
        assert!(r.intentional_skips.contains_key("backup_restore"));
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        assert_eq!(parse(b"  \n", Path::new("r")).unwrap_err(), "empty file");
        assert!(
            parse(b"{\"recipe\": ", Path::new("r"))
                .unwrap_err()
                .starts_with("not valid JSON")
        );
        assert_eq!(
            parse(b"[1]", Path::new("r")).unwrap_err(),
            "not a JSON object"
        );
    }
}
