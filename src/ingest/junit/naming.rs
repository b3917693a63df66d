//! Names for what a JUnit file holds: which tier and test source a file
//! belongs to, and the id a test is known by.
//!
//! cc-ci names its files `<tier>__<source>__<module>.xml`; that name, when
//! it fits, decides tier and source for every test in the file. When it does
//! not fit (an older layout, a file given alone), the pytest `classname`
//! decides, since pytest derives it from the test's path: `tests._generic.…`
//! is the generic floor, `tests.custom.…` and a recipe's own `tests/` are the
//! recipe's, any other `tests.<recipe>.…` is a cc-ci overlay.
//!
//! Ids follow pytest's node ids (`tests/x/test_y.py::TestFoo::test_z`), the
//! form a reader pastes into `pytest` to run the test again. Other producers
//! keep their own names as `<classname>::<name>`.
//!
//! Everything here reads names only; nothing recognises message text.

use std::path::Path;

use crate::model::{TestSource, Tier};

/// Tier and source from a file name of the form
/// `<tier>__<source>__<module>.xml`, when it fits. Tiers are the five cc-ci
/// runs (install, upgrade, backup, restore, custom; see [`test_tier`]);
/// sources `generic`, `cc-ci` (an overlay or custom test) and `repo-local`
/// (also spelt `recipe`).
pub(super) fn from_file_name(path: &Path) -> Option<(Tier, TestSource)> {
    let name = path.file_name()?.to_str()?;
    let stem = name
        .strip_suffix(".xml")
        .or_else(|| name.strip_suffix(".XML"))?;
    let mut parts = stem.splitn(3, "__");
    let tier = test_tier(parts.next()?)?;
    let source = match parts.next()? {
        "generic" => TestSource::Generic,
        "cc-ci" => TestSource::CcCi,
        "repo-local" | "recipe" => TestSource::RepoLocal,
        _ => return None,
    };
    let module = parts.next()?;
    (!module.is_empty()).then_some((tier, source))
}

/// Tier and source of one test when the file name said nothing, read from
/// the dotted module path pytest writes as `classname` (or as `name`, for a
/// module-level record such as a collection error).
pub(super) fn from_classname(classname: &str, name: &str) -> (Option<Tier>, TestSource) {
    let dotted = if classname.is_empty() && is_module_record(name) {
        name
    } else {
        classname
    };
    let Some(segs) = segments(dotted) else {
        return (None, TestSource::Unknown);
    };
    let module = segs.iter().rposition(|s| is_module(s));
    let custom_dir = |s: &str| matches!(s, "custom" | "functional" | "playwright");
    let custom = segs[..module.unwrap_or(segs.len())]
        .iter()
        .any(|s| custom_dir(s));
    let source = match (segs.first().copied(), segs.get(1).copied()) {
        (Some("tests"), Some("_generic")) => TestSource::Generic,
        // Older layouts of cc-ci's custom tests.
        (Some("tests"), Some(c)) | (Some(c), _) if custom_dir(c) => TestSource::CcCi,
        // `tests.test_x`: a tests/ directory with modules directly in it is
        // a recipe repository's own suite; cc-ci's live one level deeper,
        // in `tests/<recipe>/`.
        (Some("tests"), Some(_)) if module == Some(1) => TestSource::RepoLocal,
        (Some("tests"), Some(_)) if segs.len() > 2 => TestSource::CcCi,
        _ => TestSource::Unknown,
    };
    let tier = module
        .and_then(|m| segs[m].strip_prefix("test_"))
        .and_then(test_tier);
    let tier = match tier {
        _ if custom && source == TestSource::CcCi => Some(Tier::Custom),
        None if source == TestSource::RepoLocal => Some(Tier::Custom),
        tier => tier,
    };
    (tier, source)
}

/// A tier a test file can belong to: the five cc-ci runs, also under
/// their results.json rung names (`backup_restore` is judged at restore,
/// `functional` is custom). `promote`, `lint` and `run` have no tests.
fn test_tier(name: &str) -> Option<Tier> {
    Tier::parse(name).filter(|t| {
        matches!(
            t,
            Tier::Install | Tier::Upgrade | Tier::Backup | Tier::Restore | Tier::Custom
        )
    })
}

/// The id of a test: a pytest node id when the classname is a pytest
/// module path (or the xunit1 `file` attribute says where the module is),
/// else `<classname>::<name>`, else the bare name.
pub(super) fn test_id(classname: &str, name: &str, file: Option<&str>) -> String {
    if let Some((path, classes)) = pytest_module(classname, file) {
        let mut id = String::with_capacity(path.len() + classname.len() + name.len() + 8);
        id.push_str(&path);
        for class in classes {
            id.push_str("::");
            id.push_str(class);
        }
        id.push_str("::");
        id.push_str(name);
        return id;
    }
    if classname.is_empty() {
        if is_module_record(name) {
            // pytest writes a module-level record (collection error) with
            // an empty classname and the module's dotted path as the name.
            let mut path = name.replace('.', "/");
            path.push_str(".py");
            return path;
        }
        return name.to_owned();
    }
    format!("{classname}::{name}")
}

/// The module file and the classes inside it, for a pytest classname.
///
/// The xunit1 `file` attribute is used when the classname starts with its
/// dotted form (then it is exactly the module). When it does not (a test
/// inherited from a base class in another module), the classname wins:
/// pytest derives the classname from the node id, `file` from where the
/// function was defined, and the node id is what names the test. `file`
/// is the last resort when the classname shows no test module at all.
fn pytest_module<'c>(classname: &'c str, file: Option<&str>) -> Option<(String, Vec<&'c str>)> {
    let file = file.map(str::trim).filter(|f| f.ends_with(".py"));
    if let Some(file) = file {
        let dotted = file[..file.len() - 3].replace(['/', '\\'], ".");
        let rest = classname.strip_prefix(dotted.as_str());
        if let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('.')) {
            let classes = rest.split('.').filter(|s| !s.is_empty()).collect();
            return Some((file.replace('\\', "/"), classes));
        }
    }
    let segs = segments(classname);
    let module = segs
        .as_ref()
        .and_then(|segs| Some((segs, segs.iter().rposition(|s| is_module(s))?)));
    if let Some((segs, m)) = module {
        let mut path = segs[..=m].join("/");
        path.push_str(".py");
        return Some((path, segs[m + 1..].to_vec()));
    }
    let file = file?;
    // Python classes are CamelCase; the lowercase part of the classname is
    // the module path `file` already gives.
    let classes = segs
        .map(|segs| {
            let first = segs
                .iter()
                .rposition(|s| !starts_upper(s))
                .map_or(0, |i| i + 1);
            segs[first..].to_vec()
        })
        .unwrap_or_default();
    Some((file.replace('\\', "/"), classes))
}

/// `name` is a dotted module path ending in a test module, with nothing
/// else in it (no parameters, no spaces).
fn is_module_record(name: &str) -> bool {
    name.contains('.') && segments(name).is_some_and(|s| s.last().is_some_and(|m| is_module(m)))
}

/// The dotted segments of a module path, if every segment could be a
/// directory or module name. Recipe directories carry dashes
/// (`tests.mattermost-lts.test_restore`), so dashes are allowed.
fn segments(dotted: &str) -> Option<Vec<&str>> {
    if dotted.is_empty() {
        return None;
    }
    let segs: Vec<&str> = dotted.split('.').collect();
    let ok = segs.iter().all(|s| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    ok.then_some(segs)
}

/// pytest's default test module pattern: `test_*.py` or `*_test.py`.
fn is_module(seg: &str) -> bool {
    seg.starts_with("test_") || seg.ends_with("_test")
}

fn starts_upper(seg: &str) -> bool {
    seg.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
}
